//! What libvirt's parser does to a definition after reading it and before
//! keeping it, where the model would otherwise keep the document as
//! written (found by the differential run against libvirt 9.0, see
//! crates/virt-schema):
//!
//! - empty containers libvirt reads into nothing are not kept (`<vcpus/>`,
//!   `<memtune/>`, `<cpu/>`, `<os><bios/></os>`, ...): libvirt formats them
//!   only when they hold something; nor are `<pm>` states without
//!   `enabled`;
//! - the init options of `<os>` (`<init>`, `<initarg>`, ...) are read for
//!   container guests (`<type>exe</type>`) only, and dropped otherwise;
//! - an empty `<genid/>` asks for a generated VM generation ID, a given
//!   one is written in libvirt's UUID format;
//! - an HVM guest without boot devices boots from `hd`;
//! - a `variable` clock always has its adjustment and basis;
//! - `<memtune>` limits are written in KiB, unset ones left out;
//! - CPU and node sets are written in libvirt's form (`0-2,^1` -> `0,2`);
//! - `<os><firmware>` features are dropped without `<os firmware=...>`
//!   (libvirt 9.0 as Debian ships it: no autoselection, nothing to select);
//!
//! and the cross-check libvirt makes on the values read ([`check`]): the
//! maximum memory not below the memory (the vCPU counts are checked where
//! libvirt reads them, `validate`).

use crate::validate::{canonical_set, read_seclabel};
use crate::{DomainDef, Element, Node, XmlError};

/// Top-level elements libvirt drops when they are empty (no attribute, no
/// child): each is read into a structure it formats only when set.
const DROPPED_WHEN_EMPTY: &[&str] = &[
    "blkiotune",
    "cpu",
    "cputune",
    "defaultiothread",
    "idmap",
    "iothreadids",
    "keywrap",
    "memoryBacking",
    "memtune",
    "numatune",
    "perf",
    "pm",
    "seclabel",
    "vcpus",
];

/// Top-level elements libvirt reads from their first copy only.
const FIRST_ONLY: &[&str] = &["metadata", "on_lockfailure"];

/// `<os>` children libvirt drops when they are empty.
const OS_DROPPED_WHEN_EMPTY: &[&str] = &["acpi", "bios", "bootmenu", "firmware", "smbios"];

/// `<os>` children read only for `<type>exe</type>`.
const OS_INIT_OPTIONS: &[&str] = &[
    "init",
    "initarg",
    "initdir",
    "initenv",
    "initgroup",
    "inituser",
];

fn is_empty(e: &Element) -> bool {
    e.attrs.is_empty()
        && e.children.iter().all(|n| match n {
            Node::Text(t) => t.trim().is_empty(),
            Node::Element(_) => false,
        })
}

/// Applies libvirt's post-parse changes to `def`.
pub(crate) fn apply(def: &mut DomainDef) {
    // The rewrites of the top-level parts kept as elements read and write
    // `def.extra` alone, so they run first, together, and not at all for
    // the many definitions without such parts; the other rewrites never
    // read `def.extra`, so the order between the two sets is free.
    if !def.extra.is_empty() {
        top_level_parts(def);
    }
    // `string(./title[1])`: an empty one is none.
    if def.title.as_deref() == Some("") {
        def.title = None;
    }
    if def.description.as_deref() == Some("") {
        def.description = None;
    }
    loader(def);
    // `string(./bootloader)`: an empty one is none, and its arguments are
    // written only with it.
    if def.bootloader.as_deref().is_some_and(str::is_empty) {
        def.bootloader = None;
    }
    if def.bootloader.is_none() || def.bootloader_args.as_deref() == Some("") {
        def.bootloader_args = None;
    }
    boot_options(def);
    devices(def);
    // `./os/type[1]`: a second <type> is not read.
    def.os.extra.retain(|e| e.name != "type");
    def.os.unknown.retain(|u| u.element.name != "type");
    if let Some(features) = def.features.as_mut() {
        if let Some(read) = features_as_written(features) {
            *features = read;
        }
    }
    if def.features.as_ref().is_some_and(Vec::is_empty) {
        def.features = None;
    }
    let exe = def.os.os_type == "exe";
    let autoselect = def.os.attrs.iter().any(|(k, _)| k == "firmware");
    def.os.extra.retain(|e| {
        let name = e.name.as_str();
        !(OS_DROPPED_WHEN_EMPTY.contains(&name) && is_empty(e))
            && (exe || !OS_INIT_OPTIONS.contains(&name))
            && (autoselect || name != "firmware")
    });
    firmware_features(def);
    // Reads the vCPU placement as well (and may add `<numatune>`).
    numatune(def);
    canonical_sets(def);
    for cpu in def.extra.iter_mut().filter(|e| e.name == "cpu") {
        guest_cpu(cpu);
    }
    merge_clocks(def);
    for clock in def.extra.iter_mut().filter(|e| e.name == "clock") {
        clock_attrs(clock);
        for n in &mut clock.children {
            if let Node::Element(t) = n {
                if t.name == "timer" {
                    timer_as_written(t);
                }
            }
        }
    }
    // virDomainDefBootOrderPostParse: an HVM guest without boot devices
    // boots from disk, a directly booted kernel too (the generic defaults
    // leave those alone for the Xen drivers' older format). With a
    // bootloader no boot device is written (virDomainDefFormatInternal).
    if def.os.os_type == "hvm"
        && def.os.boot.is_empty()
        && !def.has_boot_order()
        && def.bootloader.is_none()
    {
        def.os.boot.push("hd".into());
    }
}

/// The post-parse rewrites of the top-level parts kept as elements
/// (`def.extra`), in libvirt's order; they read and write nothing else.
fn top_level_parts(def: &mut DomainDef) {
    // `virXPathNode("./metadata[1]")`, `string(./on_lockfailure[1])`.
    for name in FIRST_ONLY {
        let mut first = true;
        def.extra
            .retain(|e| e.name != *name || std::mem::take(&mut first));
    }
    // `./pm/suspend-to-mem`: the first state of each kind in any `<pm>`,
    // written with its `enabled` (without one it is left at its default,
    // which libvirt does not write).
    if let Some(pm) = merged(def, "pm") {
        let mut out = Element::new("pm");
        for state in ["suspend-to-mem", "suspend-to-disk"] {
            if let Some(enabled) = pm.child(state).and_then(|s| s.attr("enabled")) {
                out = out.with_child(Element::new(state).with_attr("enabled", enabled));
            }
        }
        write_once(def, out);
    }
    blkiotune(def);
    // `./memtune/hard_limit[1]`, ...: each limit from the first copy
    // giving it.
    if let Some(mut memtune) = merged(def, "memtune") {
        memtune_in_kib(&mut memtune);
        write_once(def, memtune);
    }
    seclabels(def);
    memory_backing(def);
    keywrap(def);
    iothreads(def);
    perf(def);
    sysinfo(def);
    launch_security(def);
    def.extra
        .retain(|e| !(DROPPED_WHEN_EMPTY.contains(&e.name.as_str()) && is_empty(e)));
    for e in def.extra.iter_mut().filter(|e| e.name == "genid") {
        let id = match crate::parse_uuid(&e.text()) {
            Some(id) => id,
            None => uuid::Uuid::new_v4(),
        };
        e.children = vec![Node::Text(id.to_string())];
    }
}

/// The domain's `<seclabel>`s as libvirt writes what it read: type,
/// model and relabel in that order (relabel not for type none), the
/// static label or the dynamic base label; one of the "default" type
/// (no `type=`) is not written at all.
fn seclabels(def: &mut DomainDef) {
    def.extra.retain_mut(|e| {
        if e.name != "seclabel" {
            return true;
        }
        let Ok(label) = read_seclabel(e) else {
            return true;
        };
        let Some(label_type) = label.label_type else {
            return false;
        };
        let mut out = Element::new("seclabel").with_attr("type", label_type);
        if let Some(model) = label.model {
            out = out.with_attr("model", model);
        }
        if label_type != "none" {
            out = out.with_attr("relabel", if label.relabel { "yes" } else { "no" });
            if let Some(l) = label.label {
                out = out.with_child(Element::new("label").with_text(l));
            }
            if let Some(b) = label.baselabel {
                out = out.with_child(Element::new("baselabel").with_text(b));
            }
        }
        *e = out;
        true
    });
}

/// The top-level part `out.name` written once, as `out`, where its first
/// copy was (libvirt reads every copy into one structure and writes that);
/// not at all when `out` is empty.
fn write_once(def: &mut DomainDef, out: Element) {
    let mut first = true;
    let keep = !is_empty(&out);
    def.extra.retain_mut(|e| {
        if e.name != out.name {
            return true;
        }
        if !(std::mem::take(&mut first) && keep) {
            return false;
        }
        *e = out.clone();
        true
    });
}

/// Every copy of the top-level part `name` as one element holding all
/// their children, in document order: what an XPath such as
/// `./memtune/hard_limit[1]` looks through.
fn merged(def: &DomainDef, name: &str) -> Option<Element> {
    let mut copies = def.extra.iter().filter(|e| e.name == name);
    let mut out = copies.next()?.clone();
    for e in copies {
        out.children.extend(e.children.iter().cloned());
    }
    Some(out)
}

/// `<keywrap>` as libvirt writes what it read: one element, aes then
/// dea, each cipher once; none when no cipher is given.
fn keywrap(def: &mut DomainDef) {
    if !def.extra.iter().any(|e| e.name == "keywrap") {
        return;
    }
    let Ok(states) = crate::validate::keywrap(def) else {
        return;
    };
    let mut out = Element::new("keywrap");
    for (name, state) in ["aes", "dea"].into_iter().zip(states) {
        if let Some(state) = state {
            let cipher = Element::new("cipher")
                .with_attr("name", name)
                .with_attr("state", state);
            out = out.with_child(cipher);
        }
    }
    write_once(def, out);
}

/// `<blkiotune>` as libvirt writes what it read (virDomainDefTunablesParse,
/// virDomainDefFormatBlkiotune): the first weight of every copy, when it
/// reads as a positive number; the devices of every copy, each only with a
/// limit set and then with the limits set, in libvirt's order.
fn blkiotune(def: &mut DomainDef) {
    use crate::views::View;
    let Some(read) = merged(def, "blkiotune") else {
        return;
    };
    let Ok(tune) = crate::views::Blkiotune::from_element(&read) else {
        return;
    };
    let mut out = Element::new("blkiotune");
    // virXPathUInt: what does not read is no weight.
    let weight = tune
        .weight
        .as_deref()
        .and_then(|w| crate::validate::c_uint(w, 10))
        .filter(|w| *w != 0);
    if let Some(w) = weight {
        out = out.with_child(Element::new("weight").with_text(w.to_string()));
    }
    for d in &tune.devices {
        let limits = [
            ("weight", d.weight.map(u64::from)),
            ("read_iops_sec", d.read_iops_sec.map(u64::from)),
            ("write_iops_sec", d.write_iops_sec.map(u64::from)),
            ("read_bytes_sec", d.read_bytes_sec),
            ("write_bytes_sec", d.write_bytes_sec),
        ];
        let mut device = Element::new("device").with_child(Element::new("path").with_text(&d.path));
        for (name, value) in limits {
            if let Some(v) = value.filter(|v| *v != 0) {
                device = device.with_child(Element::new(name).with_text(v.to_string()));
            }
        }
        if device.children.len() > 1 {
            out = out.with_child(device);
        }
    }
    write_once(def, out);
}

/// The boot devices libvirt reads (`VIR_DOMAIN_BOOT_LAST`).
const BOOT_DEVICES_MAX: usize = 4;

/// The boot options of an HVM guest as libvirt writes what it read
/// (virDomainDefParseBootXML): at most four boot devices; the first
/// `<bootmenu>` only with `enable`, its timeout only when enabled; the
/// first `<bios>` with the serial console choice (an unreadable one is
/// "no") and the reboot timeout, only when one is set. With a bootloader
/// none of them is written.
fn boot_options(def: &mut DomainDef) {
    if def.os.os_type != "hvm" {
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
const FIRMWARE_FEATURES: &[&str] = &["enrolled-keys", "secure-boot"];

/// The firmware features as libvirt reads them
/// (virDomainDefParseBootFirmwareOptions): `./os/firmware/feature`, across
/// every `<firmware>`, the last word on a feature counting; `None` when a
/// feature does not read (the definition is refused then).
fn read_firmware_features(def: &DomainDef) -> Option<[Option<&str>; 2]> {
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
fn firmware_features(def: &mut DomainDef) {
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
    let mut first = true;
    def.os.extra.retain_mut(|e| {
        if e.name != "firmware" {
            return true;
        }
        if !std::mem::take(&mut first) || out.children.is_empty() {
            return false;
        }
        *e = out.clone();
        true
    });
}

/// How many I/O threads libvirt fills in beyond the given ids before
/// this model refuses to (libvirt allocates them all; for a count near
/// 2^32 it aborts).
const IOTHREADS_FILLED_MAX: u64 = 1 << 16;

/// The I/O threads as libvirt writes what it read
/// (virDomainDefParseIOThreads, virDomainDefIOThreadsFormat): the count is
/// the larger of `<iothreads>` and the ids given, 0 written as nothing;
/// `<iothreadids>` (one, holding every id) is written when an id was
/// given or a thread pool set, the given ids first and then the lowest
/// free ones up to the count; `<defaultiothread>` only with a pool bound.
fn iothreads(def: &mut DomainDef) {
    let count: u64 = match def.extra.iter().find(|e| e.name == "iothreads") {
        Some(e) => match e.text().trim().parse::<u32>() {
            Ok(n) => u64::from(n),
            Err(_) => return,
        },
        None => 0,
    };
    let bound = |e: &Element, name: &str| -> Option<i64> {
        e.attr(name)
            .and_then(|v| v.trim().parse::<i32>().ok())
            .map(i64::from)
            .filter(|&v| v >= 0)
    };
    let mut ids: Vec<(u64, Option<i64>, Option<i64>)> = Vec::new();
    for e in def.extra.iter().filter(|e| e.name == "iothreadids") {
        for t in e.children_named("iothread") {
            let Some(id) = t.attr("id").and_then(|v| v.trim().parse::<u32>().ok()) else {
                return;
            };
            ids.push((
                u64::from(id),
                bound(t, "thread_pool_min"),
                bound(t, "thread_pool_max"),
            ));
        }
    }
    let total = count.max(ids.len() as u64);
    let given = ids.len();
    if total - given as u64 > IOTHREADS_FILLED_MAX && given > 0 {
        return;
    }
    let write_ids = given > 0;
    if write_ids {
        let mut next = 1u64;
        while (ids.len() as u64) < total {
            while ids.iter().any(|&(id, _, _)| id == next) {
                next += 1;
            }
            ids.push((next, None, None));
            next += 1;
        }
    }
    let mut first_count = true;
    let mut first_ids = true;
    let mut first_default = true;
    def.extra.retain_mut(|e| match e.name.as_str() {
        "iothreads" => std::mem::take(&mut first_count) && total > 0,
        "iothreadids" => std::mem::take(&mut first_ids) && write_ids,
        "defaultiothread" => {
            let (min, max) = (bound(e, "thread_pool_min"), bound(e, "thread_pool_max"));
            if !std::mem::take(&mut first_default) || (min.is_none() && max.is_none()) {
                return false;
            }
            *e = pool_bounds(Element::new("defaultiothread"), min, max);
            true
        }
        _ => true,
    });
    if total > 0 {
        let text = total.to_string();
        match def.extra.iter_mut().find(|e| e.name == "iothreads") {
            Some(e) => e.set_text(text),
            None => def.extra.push(Element::new("iothreads").with_text(text)),
        }
    }
    if write_ids {
        if let Some(e) = def.extra.iter_mut().find(|e| e.name == "iothreadids") {
            let mut out = Element::new("iothreadids");
            for (id, min, max) in ids {
                let t = Element::new("iothread").with_attr("id", id.to_string());
                out = out.with_child(pool_bounds(t, min, max));
            }
            *e = out;
        }
    }
}

/// `e` with the thread pool bounds that are set.
fn pool_bounds(mut e: Element, min: Option<i64>, max: Option<i64>) -> Element {
    if let Some(min) = min {
        e = e.with_attr("thread_pool_min", min.to_string());
    }
    if let Some(max) = max {
        e = e.with_attr("thread_pool_max", max.to_string());
    }
    e
}

/// `<memtune>` as libvirt writes what it read: each limit in KiB with
/// `unit='KiB'`, in its order, limits at "unlimited" and a zero guarantee
/// left out.
fn memtune_in_kib(memtune: &mut Element) {
    let mut children = Vec::new();
    for name in [
        "hard_limit",
        "soft_limit",
        "min_guarantee",
        "swap_hard_limit",
    ] {
        let Some(c) = memtune.child(name) else {
            continue;
        };
        let kib = match name {
            "min_guarantee" => crate::parse_memory(&c.text(), c.attr("unit")),
            _ => crate::units::parse_memory_limit(&c.text(), c.attr("unit")),
        };
        let Ok(kib) = kib else {
            // Refused when read; kept as written.
            return;
        };
        let set = match name {
            "min_guarantee" => kib != 0,
            _ => kib < crate::units::MEMORY_LIMIT_UNLIMITED,
        };
        if set {
            let sized = Element::new(name)
                .with_attr("unit", "KiB")
                .with_text(kib.to_string());
            children.push(Node::Element(sized));
        }
    }
    let others = memtune.children.iter().filter(|n| match n {
        Node::Element(e) => !matches!(
            e.name.as_str(),
            "hard_limit" | "soft_limit" | "min_guarantee" | "swap_hard_limit"
        ),
        Node::Text(_) => false,
    });
    children.extend(others.cloned());
    memtune.children = children;
}

/// A clock's attributes as libvirt writes what it read
/// (virDomainDefClockParse, virDomainClockDefFormat): the offset (utc when
/// absent) first; a utc or localtime clock with a numeric adjustment
/// becomes a variable one on that basis; a variable clock always has its
/// adjustment (0 when absent or unreadable) and basis (utc when absent);
/// the start-up adjustment (`adjustment0`) only in live state; a timezone
/// and a start only with their offsets; nothing else.
fn clock_attrs(clock: &mut Element) {
    let offset = clock.attr("offset").unwrap_or("utc").to_string();
    let adjustment = clock.attr("adjustment").map(str::to_string);
    let number = |a: &Option<String>| a.as_deref().and_then(|a| a.trim().parse::<i64>().ok());
    let mut attrs: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| attrs.push((k.to_string(), v));
    match offset.as_str() {
        "utc" | "localtime" => match adjustment.as_deref() {
            None => put("offset", offset.clone()),
            Some("reset") => {
                put("offset", offset.clone());
                put("adjustment", "reset".into());
            }
            Some(_) => {
                let Some(n) = number(&adjustment) else { return };
                put("offset", "variable".into());
                put("adjustment", n.to_string());
                put("basis", offset.clone());
            }
        },
        "variable" => {
            put("offset", offset.clone());
            put("adjustment", number(&adjustment).unwrap_or(0).to_string());
            put("basis", clock.attr("basis").unwrap_or("utc").to_string());
        }
        "timezone" => {
            put("offset", offset.clone());
            put(
                "timezone",
                clock.attr("timezone").unwrap_or_default().to_string(),
            );
        }
        "absolute" => {
            let Some(start) = clock
                .attr("start")
                .and_then(|s| s.trim().parse::<u64>().ok())
            else {
                return;
            };
            put("offset", offset.clone());
            put("start", start.to_string());
        }
        _ => return,
    }
    clock.attrs = attrs;
}

/// libvirt reads the clock's attributes from the first `<clock>` and its
/// timers from every one (`./clock/timer`), and writes one `<clock>`.
fn merge_clocks(def: &mut DomainDef) {
    let Some(first) = def.extra.iter().position(|e| e.name == "clock") else {
        return;
    };
    let mut timers = Vec::new();
    let mut i = first + 1;
    while i < def.extra.len() {
        if def.extra[i].name == "clock" {
            let later = def.extra.remove(i);
            timers.extend(
                later
                    .children
                    .into_iter()
                    .filter(|n| matches!(n, Node::Element(t) if t.name == "timer")),
            );
        } else {
            i += 1;
        }
    }
    def.extra[first].children.extend(timers);
}

/// A `<timer>` as libvirt writes what it read (virDomainTimerDefFormat):
/// its attributes in libvirt's order (a TSC's frequency and mode only for
/// the TSC, a frequency of 0 not at all), a `<catchup>` only with a
/// non-zero value. Left as given when a value does not read (the
/// definition was refused then).
fn timer_as_written(timer: &mut Element) {
    let number = |e: &Element, a: &str| -> Option<Option<u64>> {
        match e.attr(a) {
            None => Some(None),
            Some(v) => v.trim().parse().ok().map(Some),
        }
    };
    let tsc = timer.attr("name") == Some("tsc");
    let mut out = Element::new("timer");
    for a in ["name", "present", "tickpolicy", "track"] {
        if let Some(v) = timer.attr(a) {
            out = out.with_attr(a, v);
        }
    }
    if tsc {
        let Some(frequency) = number(timer, "frequency") else {
            return;
        };
        if let Some(f) = frequency.filter(|f| *f > 0) {
            out = out.with_attr("frequency", f.to_string());
        }
        if let Some(m) = timer.attr("mode") {
            out = out.with_attr("mode", m);
        }
    }
    if let Some(catchup) = timer.child("catchup") {
        let mut c = Element::new("catchup");
        for a in ["threshold", "slew", "limit"] {
            let Some(v) = number(catchup, a) else { return };
            if let Some(v) = v.filter(|v| *v > 0) {
                c = c.with_attr(a, v.to_string());
            }
        }
        if !c.attrs.is_empty() {
            out = out.with_child(c);
        }
    }
    *timer = out;
}

/// `<numatune><memory>` as libvirt settles and writes it (mode, then the
/// node set for static placement or `placement='auto'`), added when
/// automatic vCPU placement implies it; automatic memory placement makes
/// the vCPU placement automatic too when nothing pins a thread.
fn numatune(def: &mut DomainDef) {
    let memory = crate::validate::numatune_memory(def);
    let Some(memory) = memory else {
        for n in def.extra.iter_mut().filter(|e| e.name == "numatune") {
            n.children
                .retain(|c| !matches!(c, Node::Element(m) if m.name == "memory"));
        }
        return;
    };
    let mut element = Element::new("memory").with_attr("mode", memory.mode.as_str());
    element = match &memory.nodeset {
        Some(set) if memory.placement == "static" => element.with_attr("nodeset", set.as_str()),
        _ => element.with_attr("placement", memory.placement),
    };
    if memory.placement == "auto" {
        let pinned = def.vcpu.cpuset.is_some()
            || def.extra.iter().filter(|e| e.name == "cputune").any(|c| {
                c.elements()
                    .any(|p| matches!(p.name.as_str(), "vcpupin" | "emulatorpin" | "iothreadpin"))
            });
        if !pinned {
            def.vcpu.placement = Some("auto".into());
        }
    }
    match def.extra.iter_mut().find(|e| e.name == "numatune") {
        Some(n) => {
            let memnodes: Vec<Node> = n
                .children
                .drain(..)
                .filter(|c| matches!(c, Node::Element(m) if m.name != "memory"))
                .collect();
            n.attrs.clear();
            n.children = std::iter::once(Node::Element(element))
                .chain(memnodes)
                .collect();
        }
        None => def.extra.push(Element::new("numatune").with_child(element)),
    }
}

/// libvirt's features (`virDomainFeature`), in the order it writes them.
const FEATURES: &[&str] = &[
    "acpi",
    "apic",
    "pae",
    "hap",
    "viridian",
    "privnet",
    "hyperv",
    "kvm",
    "pvspinlock",
    "capabilities",
    "pmu",
    "vmport",
    "gic",
    "smm",
    "ioapic",
    "hpt",
    "vmcoreinfo",
    "htm",
    "nested-hv",
    "msrs",
    "ccf-assist",
    "xen",
    "cfpc",
    "sbbc",
    "ibs",
    "tcg",
];

/// `<features>` as libvirt writes what it read (virDomainFeaturesDefParse,
/// virDomainDefFormatFeatures): each feature once (the last one given
/// counts), in libvirt's order; the on/off ones with their state (on when
/// absent), the value ones only with a value; `None` when something is
/// not read here (it is then left as given).
fn features_as_written(given: &[Element]) -> Option<Vec<Element>> {
    // (place in libvirt's order, element); a guest names a few features
    // of the many known, so only those are kept, sorted at the end.
    let mut slots: Vec<(usize, Option<Element>)> = Vec::with_capacity(given.len() + 1);
    let mut hyperv: Vec<(usize, Option<Element>)> = Vec::new();
    let mut hyperv_mode: Option<String> = None;
    for f in given {
        let at = FEATURES.iter().position(|n| *n == f.name)?;
        let name = f.name.as_str();
        let written = match name {
            "acpi" | "pae" | "viridian" | "privnet" => Some(Element::new(name)),
            "apic" => Some(match f.attr("eoi") {
                Some(eoi) => Element::new(name).with_attr("eoi", eoi),
                None => Element::new(name),
            }),
            "msrs" => Some(Element::new(name).with_attr("unknown", f.attr("unknown")?)),
            "vmcoreinfo" | "hap" | "pmu" | "pvspinlock" | "vmport" => {
                Some(Element::new(name).with_attr("state", f.attr("state").unwrap_or("on")))
            }
            "htm" | "nested-hv" | "ccf-assist" => {
                Some(Element::new(name).with_attr("state", f.attr("state")?))
            }
            "smm" if f.elements().all(|c| c.name == "tseg") => {
                let state = f.attr("state").unwrap_or("on");
                let mut smm = Element::new(name).with_attr("state", state);
                // The TSEG size is read only with SMM on, and written in
                // the largest unit that divides it.
                match f.child("tseg") {
                    Some(t) if state == "on" && !t.text().is_empty() => {
                        let (n, unit) = crate::views::pretty_size(crate::views::tseg_bytes(t)?);
                        let tseg = Element::new("tseg")
                            .with_attr("unit", unit)
                            .with_text(n.to_string());
                        smm = smm.with_child(tseg);
                    }
                    _ => {}
                }
                Some(smm)
            }
            "gic" => Some(match f.attr("version") {
                Some(v) => Element::new(name).with_attr("version", v),
                None => Element::new(name),
            }),
            "ioapic" | "cfpc" | "sbbc" | "ibs" => {
                let attr = if name == "ioapic" { "driver" } else { "value" };
                f.attr(attr).map(|v| Element::new(name).with_attr(attr, v))
            }
            "hpt" => {
                let mut hpt = Element::new(name);
                if let Some(r) = f.attr("resizing") {
                    hpt = hpt.with_attr("resizing", r);
                }
                if let Some(m) = f.child("maxpagesize").filter(|m| !m.text().is_empty()) {
                    // Up to ULLONG_MAX bytes, in KiB rounded up.
                    let n = m.text().trim().parse().ok()?;
                    let bytes =
                        crate::units::scale_to_bytes(n, m.attr("unit"), 1024, u64::MAX).ok()?;
                    let kib = bytes.div_ceil(1024);
                    if kib > 0 {
                        let size = Element::new("maxpagesize")
                            .with_attr("unit", "KiB")
                            .with_text(kib.to_string());
                        hpt = hpt.with_child(size);
                    }
                }
                (!hpt.attrs.is_empty() || !hpt.children.is_empty()).then_some(hpt)
            }
            "hyperv" => {
                hyperv_mode = Some(f.attr("mode").unwrap_or("custom").to_string());
                for e in f.elements() {
                    let at = crate::views::HYPERV_FEATURES
                        .iter()
                        .position(|n| *n == e.name)?;
                    let state = e.attr("state")?;
                    let mut out = Element::new(e.name.as_str()).with_attr("state", state);
                    if state == "on" {
                        match e.name.as_str() {
                            "spinlocks" => {
                                let retries: u32 = e.attr("retries")?.trim().parse().ok()?;
                                out = out.with_attr("retries", retries.to_string());
                            }
                            "vendor_id" => out = out.with_attr("value", e.attr("value")?),
                            "stimer" => {
                                let direct = e.elements().filter(|d| d.name == "direct").last();
                                if direct.and_then(|d| d.attr("state")) == Some("on") {
                                    out = out.with_child(
                                        Element::new("direct").with_attr("state", "on"),
                                    );
                                }
                            }
                            _ => {}
                        }
                    }
                    put(&mut hyperv, at, Some(out));
                }
                None
            }
            "tcg" => {
                let kib = match f.child("tb-cache") {
                    Some(c) => crate::parse_memory(&c.text(), c.attr("unit")).ok()?,
                    None => 0,
                };
                (kib > 0).then(|| {
                    let cache = Element::new("tb-cache")
                        .with_attr("unit", "KiB")
                        .with_text(kib.to_string());
                    Element::new(name).with_child(cache)
                })
            }
            "capabilities" => {
                let mut caps: Vec<Option<&str>> = vec![None; crate::views::PROCESS_CAPS.len()];
                for c in f.elements() {
                    let at = crate::views::PROCESS_CAPS
                        .iter()
                        .position(|n| *n == c.name)?;
                    caps[at] = Some(c.attr("state").unwrap_or("on"));
                }
                let policy = f.attr("policy").unwrap_or("default");
                let mut out = Element::new(name).with_attr("policy", policy);
                for (cap, state) in crate::views::PROCESS_CAPS.iter().zip(caps) {
                    if let Some(state) = state {
                        out = out.with_child(Element::new(*cap).with_attr("state", state));
                    }
                }
                Some(out)
            }
            "kvm" => {
                // Each known child once (the last counts) in libvirt's
                // order; a dirty ring's size only when it is on.
                let mut kids: [Option<Element>; 5] = Default::default();
                for k in f.elements() {
                    let at = crate::views::KVM_FEATURES
                        .iter()
                        .position(|n| *n == k.name)?;
                    let state = k.attr("state")?;
                    let mut out = Element::new(k.name.as_str()).with_attr("state", state);
                    if k.name == "dirty-ring" && state == "on" {
                        let size: u32 = k.attr("size")?.trim().parse().ok()?;
                        out = out.with_attr("size", size.to_string());
                    }
                    kids[at] = Some(out);
                }
                let mut out = Element::new(name);
                out.children = kids.into_iter().flatten().map(Node::Element).collect();
                if out.children.is_empty() {
                    // Written over two lines, as an empty <xen>.
                    out.children = vec![Node::Text("\n    ".into())];
                }
                Some(out)
            }
            "xen" => {
                // libvirt writes an empty <xen> over two lines (its end
                // tag at the indent of a feature of a domain document).
                if f.elements().next().is_none() {
                    let mut out = Element::new(name);
                    out.children = vec![Node::Text("\n    ".into())];
                    put(&mut slots, at, Some(out));
                    continue;
                }
                let mut slots: [Option<Element>; 2] = [None, None];
                for x in f.elements() {
                    let state = x.attr("state")?;
                    let mut out = Element::new(x.name.as_str()).with_attr("state", state);
                    let at = match x.name.as_str() {
                        "e820_host" => 0,
                        "passthrough" => {
                            if let Some(mode) = x.attr("mode").filter(|_| state == "on") {
                                out = out.with_attr("mode", mode);
                            }
                            1
                        }
                        _ => return None,
                    };
                    slots[at] = Some(out);
                }
                let mut out = Element::new(name);
                for x in slots.into_iter().flatten() {
                    out = out.with_child(x);
                }
                Some(out)
            }
            // Read with options this model keeps as given.
            _ => Some(f.clone()),
        };
        put(&mut slots, at, written);
    }
    if let Some(mode) = hyperv_mode {
        let mut h = Element::new("hyperv").with_attr("mode", mode);
        hyperv.sort_unstable_by_key(|(at, _)| *at);
        for e in hyperv.into_iter().filter_map(|(_, e)| e) {
            h = h.with_child(e);
        }
        if h.children.is_empty() {
            // Written over two lines, as an empty <kvm>.
            h.children = vec![Node::Text("\n    ".into())];
        }
        put(
            &mut slots,
            FEATURES.iter().position(|n| *n == "hyperv")?,
            Some(h),
        );
    }
    slots.sort_unstable_by_key(|(at, _)| *at);
    Some(slots.into_iter().filter_map(|(_, e)| e).collect())
}

/// Set the element at place `at` (a later one replaces an earlier one, as
/// libvirt keeps the last of a feature given twice).
fn put(slots: &mut Vec<(usize, Option<Element>)>, at: usize, e: Option<Element>) {
    match slots.iter_mut().find(|(i, _)| *i == at) {
        Some(slot) => slot.1 = e,
        None => slots.push((at, e)),
    }
}

/// A guest `<cpu>` as libvirt writes what it read (virCPUDefFormatBufFull):
/// its attributes only when it names a model or a mode other than custom
/// (mode, match for custom, exact by default, check unless default,
/// migratable for host-passthrough and maximum), its topology with the
/// dies (1 by default).
fn guest_cpu(cpu: &mut Element) {
    let mode = cpu.attr("mode").unwrap_or("custom").to_string();
    let has_model = cpu.child("model").is_some_and(|m| !m.text().is_empty());
    let mut attrs: Vec<(String, String)> = Vec::new();
    if mode != "custom" || has_model {
        attrs.push(("mode".into(), mode.clone()));
        if mode == "custom" {
            let m = cpu.attr("match").unwrap_or("exact");
            attrs.push(("match".into(), m.to_string()));
        }
        if let Some(check) = cpu.attr("check").filter(|c| *c != "default") {
            attrs.push(("check".into(), check.to_string()));
        }
        if matches!(mode.as_str(), "host-passthrough" | "maximum") {
            if let Some(m) = cpu.attr("migratable") {
                attrs.push(("migratable".into(), m.to_string()));
            }
        }
    }
    cpu.attrs = attrs;
    let mut first = true;
    cpu.children.retain_mut(|n| {
        let Node::Element(t) = n else { return true };
        if t.name != "topology" {
            return true;
        }
        if !std::mem::take(&mut first) {
            return false;
        }
        let number = |a: &str| t.attr(a).and_then(|v| v.trim().parse::<u32>().ok());
        if let (Some(s), Some(c), Some(th)) =
            (number("sockets"), number("cores"), number("threads"))
        {
            *t = Element::new("topology")
                .with_attr("sockets", s.to_string())
                .with_attr("dies", number("dies").unwrap_or(1).to_string())
                .with_attr("cores", c.to_string())
                .with_attr("threads", th.to_string());
        }
        true
    });
}

/// The boot loader of a guest whose loader libvirt reads (HVM, Xen, UML)
/// as it writes it back: readonly, secure, type (rom when a path is given
/// without one) and stateless, in that order, around the path.
fn loader(def: &mut DomainDef) {
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

/// `<launchSecurity>` as libvirt writes what it read (virDomainSecDefParseXML
/// on the first one, virDomainSecDefFormat): for SEV the host-dependent
/// numbers given, as C's `%d` prints them, the policy in hexadecimal
/// (`0x%04x`), the certificate and session when not empty, and no handle
/// (libvirt reads none).
fn launch_security(def: &mut DomainDef) {
    let Some(sec) = def.extra.iter().find(|e| e.name == "launchSecurity") else {
        return;
    };
    let mut out = Element::new("launchSecurity");
    match sec.attr("type") {
        Some("s390-pv") => out = out.with_attr("type", "s390-pv"),
        Some("sev") => {
            out = out.with_attr("type", "sev");
            if let Some(k) = sec.attr("kernelHashes") {
                out = out.with_attr("kernelHashes", k);
            }
            let text = |name: &str| sec.child(name).map(Element::text).unwrap_or_default();
            for name in ["cbitpos", "reducedPhysBits"] {
                let t = text(name);
                if t.is_empty() {
                    continue;
                }
                let Some(n) = crate::validate::c_uint(&t, 10) else {
                    return;
                };
                out = out.with_child(Element::new(name).with_text((n as i32).to_string()));
            }
            let Some(policy) = crate::validate::c_uint(&text("policy"), 16) else {
                return;
            };
            out = out.with_child(Element::new("policy").with_text(format!("0x{policy:04x}")));
            for name in ["dhCert", "session"] {
                let t = text(name);
                if !t.is_empty() {
                    out = out.with_child(Element::new(name).with_text(t));
                }
            }
        }
        // Refused when read.
        _ => return,
    }
    write_once(def, out);
}

/// The entries of the SMBIOS sections libvirt reads by name, in the order
/// it writes them (virSysinfoBIOSFormat, ...SystemFormat, ...BaseBoardFormat,
/// ...ChassisFormat).
const SYSINFO_ENTRIES: &[(&str, &[&str])] = &[
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

/// `<sysinfo type='smbios'>` sections as libvirt writes what it read: each
/// named entry once (the first: `string(entry[@name='...'])`), in its
/// order.
fn sysinfo(def: &mut DomainDef) {
    for info in def
        .extra
        .iter_mut()
        .filter(|e| e.name == "sysinfo" && e.attr("type") == Some("smbios"))
    {
        for node in info.children.iter_mut() {
            let Node::Element(section) = node else {
                continue;
            };
            let Some((_, order)) = SYSINFO_ENTRIES.iter().find(|(n, _)| *n == section.name) else {
                continue;
            };
            let rank = |e: &Element| {
                let name = e.attr("name").unwrap_or_default();
                order.iter().position(|n| *n == name)
            };
            let mut seen = vec![false; order.len()];
            let mut entries: Vec<Element> = Vec::new();
            for n in std::mem::take(&mut section.children) {
                if let Node::Element(e) = n {
                    match rank(&e) {
                        Some(r) if !std::mem::replace(&mut seen[r], true) => entries.push(e),
                        Some(_) => {}
                        None => entries.push(e),
                    }
                }
            }
            entries.sort_by_key(|e| rank(e).unwrap_or(usize::MAX));
            section.children = entries.into_iter().map(Node::Element).collect();
        }
    }
}

/// libvirt's perf events (`virPerfEvent`), in the order it writes them.
const PERF_EVENTS: &[&str] = &[
    "cmt",
    "mbmt",
    "mbml",
    "cpu_cycles",
    "instructions",
    "cache_references",
    "cache_misses",
    "branch_instructions",
    "branch_misses",
    "bus_cycles",
    "stalled_cycles_frontend",
    "stalled_cycles_backend",
    "ref_cpu_cycles",
    "cpu_clock",
    "task_clock",
    "page_faults",
    "context_switches",
    "cpu_migrations",
    "page_faults_min",
    "page_faults_maj",
    "alignment_faults",
    "emulation_faults",
];

/// `<perf>` as libvirt writes what it read (virDomainPerfDefParseXML
/// reads every `./perf/event`, virDomainPerfDefFormat writes one `<perf>`
/// with the events in its own order): one element, where the first was.
fn perf(def: &mut DomainDef) {
    let Some(first) = def.extra.iter().position(|e| e.name == "perf") else {
        return;
    };
    let mut events: Vec<Element> = def
        .extra
        .iter()
        .filter(|e| e.name == "perf")
        .flat_map(|p| p.children_named("event").cloned().collect::<Vec<_>>())
        .collect();
    let rank = |e: &Element| {
        let name = e.attr("name").unwrap_or_default();
        PERF_EVENTS
            .iter()
            .position(|n| *n == name)
            .unwrap_or(usize::MAX)
    };
    events.sort_by_key(rank);
    let mut perf = Element::new("perf");
    perf.children = events.into_iter().map(Node::Element).collect();
    def.extra[first] = perf;
    let mut seen = false;
    def.extra
        .retain(|e| e.name != "perf" || !std::mem::replace(&mut seen, true));
}

/// Devices as libvirt writes what it read: a watchdog's action defaults
/// to reset (virDomainWatchdogDefParseXML) and is always written; a
/// `<panic>` with neither a model nor an address is not written
/// (virDomainPanicDefFormat writes it only with content); every device's
/// information as libvirt writes it (`devinfo`).
fn devices(def: &mut DomainDef) {
    crate::views::drop_unread(&mut def.devices);
    for device in &mut def.devices.other {
        crate::devinfo::rewrite(device);
    }
    for c in &mut def.devices.chardevs {
        crate::devinfo::rewrite_chardev(c.dev_type.as_deref(), &mut c.extra);
    }
    // An empty `<redirfilter>` is not written either
    // (virDomainRedirFilterDefFormat).
    def.devices.other.retain(|e| match e.name.as_str() {
        "panic" => !is_empty(e),
        "redirfilter" => e.child("usbdev").is_some(),
        _ => true,
    });
    // Only VNC and D-Bus graphics have an audio backend in libvirt's
    // model: other types' `<audio>` is not read, so not written.
    for g in def
        .devices
        .graphics
        .iter_mut()
        .filter(|g| !matches!(g.graphics_type.as_str(), "vnc" | "dbus"))
    {
        g.extra.retain(|e| e.name != "audio");
    }
    for w in def
        .devices
        .other
        .iter_mut()
        .filter(|e| e.name == "watchdog")
    {
        if w.attr("action").is_none() {
            let at = w
                .attrs
                .iter()
                .position(|(k, _)| k == "model")
                .map_or(0, |i| i + 1);
            w.attrs
                .insert(at, ("action".to_string(), "reset".to_string()));
        }
    }
}

/// The first `<os><nvram>` as libvirt writes what it read
/// (virDomainLoaderDefParseXMLNvram, virDomainLoaderDefFormatNvram): the
/// template, then a storage type with its `<source>`, or else the path
/// (the text); one with neither a template nor a path is not written,
/// and later ones are not read.
fn nvram(def: &mut DomainDef) {
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
                out.children = std::mem::take(&mut e.children);
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

/// `<memoryBacking>` as libvirt writes what it read
/// (virDomainDefParseMemory, virDomainMemorybackingFormat): hugepages
/// (each page's size in KiB, its node set in libvirt's form), nosharepages,
/// locked, the source type, the access mode, the allocation (only with a
/// mode or threads), discard, in that order, from every `<memoryBacking>`.
fn memory_backing(def: &mut DomainDef) {
    let backings: Vec<&Element> = def
        .extra
        .iter()
        .filter(|e| e.name == "memoryBacking")
        .collect();
    if backings.is_empty() {
        return;
    }
    let children = || backings.iter().flat_map(|b| b.elements());
    let first = |name: &str| children().find(|c| c.name == name);
    let first_attr = |name: &str, attr: &str| {
        children()
            .filter(|c| c.name == name)
            .find_map(|c| c.attr(attr))
            .map(str::to_string)
    };
    // virDomainDefPostParseMemtune: without guest NUMA cells a page's
    // node set of just node 0 is dropped.
    let numa_cells = def
        .extra
        .iter()
        .filter(|e| e.name == "cpu")
        .flat_map(|c| c.children_named("numa"))
        .any(|n| n.child("cell").is_some());
    let mut out = Element::new("memoryBacking");
    if first("hugepages").is_some() {
        let mut hp = Element::new("hugepages");
        for page in children()
            .filter(|c| c.name == "hugepages")
            .flat_map(|h| h.children_named("page"))
        {
            let Some(size) = page.attr("size") else {
                return;
            };
            let Ok(kib) = crate::parse_memory(size, page.attr("unit")) else {
                return;
            };
            let mut p = Element::new("page")
                .with_attr("size", kib.to_string())
                .with_attr("unit", "KiB");
            if let Some(set) = page.attr("nodeset") {
                let Some(set) = canonical_set(set) else {
                    return;
                };
                if numa_cells || set != "0" {
                    p = p.with_attr("nodeset", set);
                }
            }
            hp = hp.with_child(p);
        }
        out = out.with_child(hp);
    }
    for flag in ["nosharepages", "locked"] {
        if first(flag).is_some() {
            out = out.with_child(Element::new(flag));
        }
    }
    for (name, attr) in [("source", "type"), ("access", "mode")] {
        if let Some(v) = first_attr(name, attr) {
            out = out.with_child(Element::new(name).with_attr(attr, v));
        }
    }
    let mut allocation = Element::new("allocation");
    if let Some(mode) = first_attr("allocation", "mode") {
        allocation = allocation.with_attr("mode", mode);
    }
    if let Some(threads) = first_attr("allocation", "threads") {
        let Ok(n) = threads.trim().parse::<u32>() else {
            return;
        };
        if n > 0 {
            allocation = allocation.with_attr("threads", n.to_string());
        }
    }
    if !allocation.attrs.is_empty() {
        out = out.with_child(allocation);
    }
    if first("discard").is_some() {
        out = out.with_child(Element::new("discard"));
    }
    let keep = !out.children.is_empty();
    let mut first_backing = true;
    def.extra.retain_mut(|e| {
        if e.name != "memoryBacking" {
            return true;
        }
        if !(std::mem::take(&mut first_backing) && keep) {
            return false;
        }
        *e = out.clone();
        true
    });
}

/// CPU and node sets written back the way libvirt formats what it read
/// (`0-2,^1,5` -> `0,2,5`); a `<vcpu cpuset>` with automatic placement is
/// not read at all.
fn canonical_sets(def: &mut DomainDef) {
    if def.vcpu.placement.as_deref() == Some("auto") {
        def.vcpu.cpuset = None;
    }
    if let Some(set) = def.vcpu.cpuset.as_deref().and_then(canonical_set) {
        def.vcpu.cpuset = Some(set);
    }
    let rewrite = |e: &mut Element, attr: &str| {
        if let Some(set) = e.attr(attr).and_then(canonical_set) {
            e.set_attr(attr, set);
        }
    };
    for e in def.extra.iter_mut() {
        match e.name.as_str() {
            "cputune" => {
                for c in e.children.iter_mut() {
                    if let Node::Element(c) = c {
                        if matches!(c.name.as_str(), "vcpupin" | "emulatorpin" | "iothreadpin") {
                            rewrite(c, "cpuset");
                        }
                    }
                }
            }
            "numatune" => {
                for c in e.children.iter_mut() {
                    if let Node::Element(c) = c {
                        if matches!(c.name.as_str(), "memory" | "memnode") {
                            rewrite(c, "nodeset");
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// libvirt's checks across values of a parsed definition, with its errors.
pub(crate) fn check(def: &DomainDef) -> Result<(), XmlError> {
    // virDomainDefPostParseMemory: a maximum and a slot count, both or
    // neither (zero is unset). A `<maxMemory>` without `slots` is the
    // libvirt 0.2 form (the domain's maximum memory, as the 0.2-era test
    // driver documents give it), which libvirt 9.0 refuses and this model
    // still reads.
    if let Some((max, Some(slots))) = def.max_memory {
        if (max != 0) != (slots != 0) {
            return Err(XmlError::Invalid(
                "both maximum memory size and memory slot count must be specified".into(),
            ));
        }
    }
    if let Some((max, _)) = def.max_memory {
        if max != 0 && max < def.memory {
            return Err(XmlError::Invalid(
                "maximum memory size must be equal or greater than the actual memory size".into(),
            ));
        }
    }
    // virDomainDefPostParseOs: enrolled keys need secure boot (features
    // are read for HVM guests with firmware autoselection only, as
    // libvirt 9.0 as Debian ships it reads them).
    if def.os.os_type == "hvm"
        && def.os.attrs.iter().any(|(k, _)| k == "firmware")
        && read_firmware_features(def).is_some_and(|s| s == [Some("yes"), Some("no")])
    {
        return Err(crate::validate::detail(
            "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled",
        ));
    }
    // virDomainDefPostParseCPU: a check only with a model to check.
    if let Some(cpu) = def.extra.iter().find(|e| e.name == "cpu") {
        let custom = cpu.attr("mode").is_none_or(|m| m == "custom");
        let has_model = cpu.child("model").is_some_and(|m| !m.text().is_empty());
        if custom && !has_model && cpu.attr("check").is_some_and(|c| c != "default") {
            return Err(XmlError::Unsupported(
                "check attribute specified for CPU with no model".into(),
            ));
        }
    }
    Ok(())
}

/// libvirt's user alias: `ua-` then letters, digits, `_` and `-` only
/// (`USER_ALIAS_PREFIX`, `USER_ALIAS_CHARS`).
fn is_user_alias(name: &str) -> bool {
    name.strip_prefix("ua-").is_some_and(|rest| {
        rest.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

/// A device's children with its `<alias>`es as libvirt reads them into
/// an inactive definition: the first one's name (`string(./alias/@name)`)
/// is kept, as `<alias name='...'/>` in the first one's place, when it is
/// a user alias; every other `<alias>` goes.
fn inactive_aliases(children: &mut Vec<Node>) {
    let name = children.iter().find_map(|n| match n {
        Node::Element(e) if e.name == "alias" => Some(e.attr("name").unwrap_or("").to_string()),
        _ => None,
    });
    let Some(name) = name else { return };
    let mut kept = false;
    children.retain_mut(|n| match n {
        Node::Element(e) if e.name == "alias" => {
            if kept || !is_user_alias(&name) {
                return false;
            }
            kept = true;
            e.attrs = vec![("name".to_string(), name.clone())];
            e.children.clear();
            true
        }
        _ => true,
    });
}

/// The same for the stored children of a typed device.
fn inactive_aliases_of(extra: &mut Vec<Element>) {
    let mut children: Vec<Node> = std::mem::take(extra)
        .into_iter()
        .map(Node::Element)
        .collect();
    inactive_aliases(&mut children);
    *extra = children
        .into_iter()
        .filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
        .collect();
}

impl DomainDef {
    /// Leave out what libvirt does not read from a definition it reads as
    /// inactive (`VIR_DOMAIN_DEF_PARSE_INACTIVE`: define and create): the
    /// device aliases a running guest's driver assigns. Only user aliases
    /// (`ua-` then letters, digits, `_`, `-`) stay; drivers call this on
    /// the definitions they are given, not on the ones they keep for
    /// running guests.
    pub fn forget_assigned_aliases(&mut self) {
        let devices = &mut self.devices;
        for d in &mut devices.disks {
            inactive_aliases_of(&mut d.extra);
        }
        for i in &mut devices.interfaces {
            inactive_aliases_of(&mut i.extra);
        }
        for c in &mut devices.chardevs {
            inactive_aliases_of(&mut c.extra);
        }
        // Graphics carry no device info: libvirt reads no alias there.
        for g in &mut devices.graphics {
            g.extra.retain(|e| e.name != "alias");
        }
        for o in &mut devices.other {
            inactive_aliases(&mut o.children);
        }
    }
}
