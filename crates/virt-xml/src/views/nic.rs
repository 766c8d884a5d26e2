//! Typed views of the parts of a guest network interface the core model
//! keeps as stored elements once they carry more than their main
//! attribute: `<mac>` with its type and check, `<target>` with `managed`,
//! the `<coalesce>` and `<tune>` knobs. Each value is read with libvirt
//! 9.0's error for a bad one.

use super::*;
use crate::devinfo::c_unsigned;

flat_view! {
    /// An interface's `<mac address= type= check=>`: the address, whether
    /// libvirt made it up or was given it, and whether it is checked
    /// against libvirt's reserved ranges.
    InterfaceMac = "mac" {
        address: String = "address",
        mac_type: String = "type" ["generated", "static"],
        check: String = "check" ["yes", "no"],
    }
}

flat_view! {
    /// An interface's `<target dev= managed=>`: the host-side device and
    /// whether libvirt creates it (ethernet interfaces).
    InterfaceTarget = "target" {
        dev: String = "dev",
        managed: String = "managed" ["yes", "no"],
    }
}

/// An interface's `<coalesce><rx><frames max=>`: how many received
/// frames the host device gathers before it interrupts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coalesce {
    /// `<rx><frames max=...>`.
    pub rx_frames_max: Option<u32>,
}

impl View for Coalesce {
    const TAG: &'static str = "coalesce";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let max = el
            .child("rx")
            .and_then(|rx| rx.child("frames"))
            .and_then(|f| f.attr("max"));
        let rx_frames_max = match max {
            None => None,
            Some(v) => Some(v.trim().parse::<u32>().map_err(|_| {
                crate::validate::detail(&format!("cannot parse value '{v}' for coalesce parameter"))
            })?),
        };
        Ok(Coalesce { rx_frames_max })
    }
    fn write_to(&self, el: &mut Element) {
        match self.rx_frames_max {
            Some(max) => with_child(el, "rx", |rx| {
                with_child(rx, "frames", |f| put_num(f, "max", Some(max)))
            }),
            None => {
                if let Some(rx) = child_mut(el, "rx") {
                    if let Some(f) = child_mut(rx, "frames") {
                        put(f, "max", None);
                    }
                }
            }
        }
    }
}

/// `string(./tune/sndbuf)` of an interface's children: the first
/// `<sndbuf>` of any `<tune>`, `None` when there is none or it is empty.
pub(crate) fn sndbuf_text(children: &[Element]) -> Option<String> {
    let sndbuf = children
        .iter()
        .filter(|e| e.name == "tune")
        .find_map(|t| t.child("sndbuf"))?;
    Some(crate::validate::string_value(sndbuf)).filter(|t| !t.is_empty())
}

/// virDomainNetDefCoalesceParseXML: `string(./rx/frames/@max)` of the
/// first `<coalesce>` (empty is none) as virStrToLong_ullp reads it, at
/// most 2^32-1 (libvirt's overflow error beyond).
pub(crate) fn coalesce_frames(coalesce: &Element) -> Result<Option<u32>, XmlError> {
    let max = coalesce
        .children_named("rx")
        .flat_map(|rx| rx.children_named("frames"))
        .find_map(|f| f.attr("max"))
        .filter(|m| !m.is_empty());
    let Some(v) = max else { return Ok(None) };
    let n = crate::devinfo::c_unsigned(v, 10).ok_or_else(|| {
        crate::validate::detail(&format!("cannot parse value '{v}' for coalesce parameter"))
    })?;
    u32::try_from(n).map(Some).map_err(|_| {
        XmlError::Overflow(format!(
            "value '{n}' is too big for coalesce parameter, maximum is '{}'",
            u32::MAX
        ))
    })
}

/// An interface's `<tune><sndbuf>`: the host tap device's send buffer in
/// bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InterfaceTune {
    /// `<sndbuf>`.
    pub sndbuf: Option<u64>,
}

impl View for InterfaceTune {
    const TAG: &'static str = "tune";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let sndbuf = match el.child("sndbuf") {
            None => None,
            Some(s) => Some(
                s.text()
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| XmlError::Invalid("sndbuf must be a positive integer".into()))?,
            ),
        };
        Ok(InterfaceTune { sndbuf })
    }
    fn write_to(&self, el: &mut Element) {
        match self.sndbuf {
            Some(n) => with_child(el, "sndbuf", |s| {
                if s.text().trim().parse::<u64>().ok() != Some(n) {
                    s.set_text(n.to_string());
                }
            }),
            None => remove_children(el, "sndbuf"),
        }
    }
}

/// An interface's `<bandwidth>` as `virNetDevBandwidthParse` reads it: no
/// `classID` (only a network's own bandwidth names its class), one
/// `<inbound>` and one `<outbound>` at most, each rate read as
/// [`check_bandwidth_rate`] does, a `floor` only inbound and only where
/// the interface allows one (`allow_floor`: a network interface).
pub(crate) fn check_bandwidth(bandwidth: &Element, allow_floor: bool) -> Result<(), XmlError> {
    if bandwidth.attr("classID").is_some() {
        return Err(crate::validate::detail(
            "classID attribute not supported on <bandwidth> in this usage context",
        ));
    }
    let mut inbound = None;
    let mut outbound = None;
    for e in bandwidth.elements() {
        let slot = match e.name.as_str() {
            "inbound" => &mut inbound,
            "outbound" => &mut outbound,
            _ => continue,
        };
        if slot.is_some() {
            return Err(crate::validate::detail(&format!(
                "Only one child <{}> element allowed",
                e.name
            )));
        }
        *slot = Some(e);
    }
    if let Some(rate) = inbound {
        if check_bandwidth_rate(rate)? && !allow_floor {
            return Err(XmlError::Unsupported(
                "floor attribute is not supported for this config".into(),
            ));
        }
    }
    if let Some(rate) = outbound {
        if check_bandwidth_rate(rate)? {
            return Err(XmlError::Unsupported(
                "'floor' attribute allowed only in <inbound> element".into(),
            ));
        }
    }
    Ok(())
}

/// One `<inbound>` or `<outbound>` as `virNetDevBandwidthParseRate` reads
/// it: an `average` or a `floor` is required, `peak` and `burst` need an
/// `average`, every value is an unsigned decimal (`virStrToLong_ullp`).
/// Whether it sets a floor (a non-zero one).
fn check_bandwidth_rate(rate: &Element) -> Result<bool, XmlError> {
    let value = |name: &str| -> Result<Option<u64>, XmlError> {
        let Some(v) = rate.attr(name) else {
            return Ok(None);
        };
        // virStrToLong_ullp in base 10.
        c_unsigned(v, 10).map(Some).ok_or_else(|| {
            XmlError::Unsupported(format!("could not convert bandwidth {name} value '{v}'"))
        })
    };
    let average = value("average")?;
    if average.is_none() && rate.attr("floor").is_none() {
        return Err(crate::validate::detail(
            "Missing mandatory average or floor attributes",
        ));
    }
    if average.is_none() && (rate.attr("peak").is_some() || rate.attr("burst").is_some()) {
        return Err(XmlError::Unsupported(
            "'peak' and 'burst' require 'average' attribute".into(),
        ));
    }
    value("peak")?;
    value("burst")?;
    Ok(value("floor")?.is_some_and(|f| f != 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_domain;

    /// The error libvirt 9.0 gives for a test domain with one interface
    /// of `kind` holding `bandwidth`, or `None` when it accepts it.
    fn refusal(kind: &str, bandwidth: &str) -> Option<String> {
        let xml = format!(
            "<domain type='test'><name>b</name><memory>1024</memory>\
             <os><type>hvm</type></os><devices><interface type='{kind}'>\
             <source network='default' bridge='br0'/>{bandwidth}</interface>\
             </devices></domain>"
        );
        parse_domain(&xml).err().map(|e| e.to_string())
    }

    #[test]
    fn bandwidth_rates_are_read_as_libvirt_reads_them() {
        let ok = "<bandwidth><inbound average='10' peak='20' burst='5'/>\
                  <outbound floor='0'/></bandwidth>";
        assert_eq!(refusal("bridge", ok), None);
        assert_eq!(
            refusal(
                "bridge",
                "<bandwidth><inbound peak='770' burst='19'/></bandwidth>"
            )
            .as_deref(),
            Some("Missing mandatory average or floor attributes")
        );
        assert_eq!(
            refusal(
                "network",
                "<bandwidth><inbound floor='5' peak='1'/></bandwidth>"
            )
            .as_deref(),
            Some("unsupported configuration: 'peak' and 'burst' require 'average' attribute")
        );
        assert_eq!(
            refusal("network", "<bandwidth><inbound floor='5'/></bandwidth>"),
            None
        );
        assert_eq!(
            refusal("bridge", "<bandwidth><inbound floor='5'/></bandwidth>").as_deref(),
            Some("unsupported configuration: floor attribute is not supported for this config")
        );
        assert_eq!(
            refusal(
                "network",
                "<bandwidth><outbound average='1' floor='5'/></bandwidth>"
            )
            .as_deref(),
            Some("unsupported configuration: 'floor' attribute allowed only in <inbound> element")
        );
        assert_eq!(
            refusal("bridge", "<bandwidth><inbound average='-1'/></bandwidth>").as_deref(),
            Some("unsupported configuration: could not convert bandwidth average value '-1'")
        );
        assert_eq!(
            refusal(
                "bridge",
                "<bandwidth><inbound average='1'/><inbound average='2'/></bandwidth>"
            )
            .as_deref(),
            Some("Only one child <inbound> element allowed")
        );
        assert_eq!(c_unsigned(" +12", 10), Some(12));
        assert_eq!(c_unsigned("12 ", 10), None);
        assert_eq!(c_unsigned("18446744073709551616", 10), None);
    }
}
