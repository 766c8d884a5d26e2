//! The typed view of `<clock>` and its `<timer>`s.

use super::*;

/// `<clock><timer>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timer {
    /// `name=`: platform, pit, rtc, hpet, tsc, kvmclock, hypervclock, ...
    pub name: String,
    /// `present=yes|no`.
    pub present: Option<String>,
    /// `tickpolicy=`: delay, catchup, merge, discard.
    pub tickpolicy: Option<String>,
    /// `track=`: boot, guest, wall, realtime.
    pub track: Option<String>,
    /// `<catchup threshold= slew= limit=>`, in that order.
    pub catchup: Option<[Option<u32>; 3]>,
    /// `frequency=` (tsc) in Hz.
    pub frequency: Option<u64>,
    /// `mode=` (tsc): auto, native, emulate, paravirt, smpsafe.
    pub mode: Option<String>,
}

/// `<clock>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Clock {
    /// `offset=`: utc, localtime, timezone, variable, absolute.
    pub offset: Option<String>,
    /// `adjustment=` (variable offset).
    pub adjustment: Option<String>,
    /// `timezone=`.
    pub timezone: Option<String>,
    /// `basis=utc|localtime` (variable offset): what `adjustment` is from.
    pub basis: Option<String>,
    /// `start=` (absolute offset, seconds since the epoch).
    pub start: Option<u64>,
    /// `<timer>`s in order.
    pub timers: Vec<Timer>,
}

impl View for Clock {
    const TAG: &'static str = "clock";
    fn check(el: &Element) -> Result<(), XmlError> {
        // The common clock needs no copy to be known good.
        let plain = el.children.is_empty()
            && el.attrs.len() == 1
            && matches!(el.attr("offset"), Some("utc" | "localtime"));
        if plain {
            return Ok(());
        }
        Self::from_element(el).map(drop)
    }
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        // `string(./clock/@offset)`: an empty one is none (utc).
        let offset = match el.attr("offset") {
            None | Some("") => None,
            Some(o @ ("utc" | "localtime" | "timezone" | "variable" | "absolute")) => {
                Some(o.into())
            }
            Some(o) => return Err(XmlError::Unsupported(format!("unknown clock offset '{o}'"))),
        };
        let mut timers = Vec::new();
        for t in el.children_named("timer") {
            let Some(name) = choice(
                t,
                "name",
                &[
                    "platform",
                    "pit",
                    "rtc",
                    "hpet",
                    "tsc",
                    "kvmclock",
                    "hypervclock",
                    "armvtimer",
                ],
            )?
            else {
                return Err(missing_attr("timer", "name"));
            };
            let catchup = match t.child("catchup") {
                Some(c) => Some([uint(c, "threshold")?, uint(c, "slew")?, uint(c, "limit")?]),
                None => None,
            };
            timers.push(Timer {
                name,
                present: choice(t, "present", &["yes", "no"])?,
                tickpolicy: choice(t, "tickpolicy", &["delay", "catchup", "merge", "discard"])?,
                track: choice(t, "track", &["boot", "guest", "wall", "realtime"])?,
                frequency: uint(t, "frequency")?,
                mode: choice(
                    t,
                    "mode",
                    &["auto", "native", "emulate", "paravirt", "smpsafe"],
                )?,
                catchup,
            });
        }
        Ok(Clock {
            offset,
            adjustment: attr(el, "adjustment"),
            timezone: attr(el, "timezone"),
            basis: attr(el, "basis"),
            start: uint(el, "start")?,
            timers,
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "offset", self.offset.as_deref());
        put(el, "adjustment", self.adjustment.as_deref());
        put(el, "timezone", self.timezone.as_deref());
        put(el, "basis", self.basis.as_deref());
        put_num(el, "start", self.start);
        sync_children(el, "timer", &self.timers, |t, e| {
            put(e, "name", Some(&t.name));
            put(e, "tickpolicy", t.tickpolicy.as_deref());
            put(e, "track", t.track.as_deref());
            put(e, "present", t.present.as_deref());
            put_num(e, "frequency", t.frequency);
            put(e, "mode", t.mode.as_deref());
            match &t.catchup {
                Some([th, sl, li]) => with_child(e, "catchup", |c| {
                    put_num(c, "threshold", *th);
                    put_num(c, "slew", *sl);
                    put_num(c, "limit", *li);
                }),
                None => remove_children(e, "catchup"),
            }
        });
    }
}
