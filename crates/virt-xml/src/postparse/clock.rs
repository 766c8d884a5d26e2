//! The clock as libvirt writes it back: its attributes (an adjusted
//! clock becomes variable), clocks merged, timers as written.

use super::*;
use crate::model::Attr;

/// A clock's attributes as libvirt writes what it read
/// (virDomainDefClockParse, virDomainClockDefFormat): the offset (utc when
/// absent) first; a utc or localtime clock with a numeric adjustment
/// becomes a variable one on that basis; a variable clock always has its
/// adjustment (0 when absent or unreadable) and basis (utc when absent);
/// the start-up adjustment (`adjustment0`) only in live state; a timezone
/// and a start only with their offsets; nothing else.
pub(super) fn clock_attrs(clock: &mut Element) {
    // The usual clock, its offset alone and fixed, is written as given.
    if let [(k, v)] = clock.attrs.as_slice() {
        if k == "offset" && matches!(v.as_str(), "utc" | "localtime") {
            return;
        }
    }
    // An empty offset is none (virXPathString), utc.
    let offset = clock
        .attr("offset")
        .filter(|o| !o.is_empty())
        .unwrap_or("utc")
        .to_string();
    // `string(./clock/@adjustment)`: an empty one is none.
    let adjustment = clock
        .attr("adjustment")
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    let number = |a: &Option<String>| a.as_deref().and_then(|a| a.trim().parse::<i64>().ok());
    let mut attrs: Vec<Attr> = Vec::new();
    let mut put = |k: &str, v: String| attrs.push((k.into(), v));
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
            let basis = clock.attr("basis").filter(|b| !b.is_empty());
            put("basis", basis.unwrap_or("utc").to_string());
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
pub(super) fn merge_clocks(def: &mut DomainDef) {
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
pub(super) fn timer_as_written(timer: &mut Element) {
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

/// virDomainDefPostParseTimer: what each timer may set (after the boot
/// orders, before the implicit devices): no tick policy on kvmclock or
/// hypervclock, catch-up values only with the catch-up policy, a frequency
/// and a mode on the TSC only, a track on the RTC and platform timers only.
pub(crate) fn check_timers(def: &DomainDef) -> Result<(), XmlError> {
    // `./clock/timer`: the timers of every <clock>.
    let timers = def
        .extra
        .iter()
        .filter(|e| e.name == "clock")
        .flat_map(|c| c.children_named("timer"));
    // A number read at parse time (virXMLPropULongLong, checked there);
    // set when not zero.
    let set = |e: Option<&Element>, name: &str| {
        e.and_then(|e| e.attr(name))
            .and_then(|v| crate::devinfo::c_unsigned(v, 10))
            .is_some_and(|n| n != 0)
    };
    for timer in timers {
        let name = timer.attr("name").unwrap_or_default();
        let unsupported = |what: &str| {
            Err(XmlError::Unsupported(format!(
                "timer {name} doesn't support setting of timer {what}"
            )))
        };
        let tickpolicy = timer.attr("tickpolicy");
        if matches!(name, "kvmclock" | "hypervclock") && tickpolicy.is_some() {
            return unsupported("tickpolicy");
        }
        // `./catchup`: the first.
        let catchup = timer.child("catchup");
        if tickpolicy != Some("catchup")
            && ["threshold", "slew", "limit"]
                .iter()
                .any(|a| set(catchup, a))
        {
            return Err(XmlError::Invalid(
                "setting of timer catchup policies is only supported with tickpolicy='catchup'"
                    .into(),
            ));
        }
        if name != "tsc" {
            if set(Some(timer), "frequency") {
                return unsupported("frequency");
            }
            if timer.attr("mode").is_some() {
                return unsupported("mode");
            }
        }
        if !matches!(name, "platform" | "rtc") && timer.attr("track").is_some() {
            return unsupported("track");
        }
    }
    Ok(())
}
