//! Typed views of the parts of a guest network interface the core model
//! keeps as stored elements once they carry more than their main
//! attribute: `<mac>` with its type and check, `<target>` with `managed`,
//! the `<coalesce>` and `<tune>` knobs. Each value is read with libvirt
//! 9.0's error for a bad one.

use super::*;

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

/// libvirt's refusal of a `classID` on an interface's `<bandwidth>`: only
/// a network's own bandwidth may name its class.
pub(crate) fn check_bandwidth_class(bandwidth: &Element) -> Result<(), XmlError> {
    match bandwidth.attr("classID") {
        Some(_) => Err(crate::validate::detail(
            "classID attribute not supported on <bandwidth> in this usage context",
        )),
        None => Ok(()),
    }
}

/// libvirt's refusal of a host-side `<source><route netmask=>` that is no
/// IP address.
pub(crate) fn check_host_route_netmask(route: &Element) -> Result<(), XmlError> {
    match route.attr("netmask") {
        Some(m) if m.parse::<std::net::IpAddr>().is_err() => Err(XmlError::Invalid(format!(
            "interface host IP: Bad netmask address '{m}' in route definition"
        ))),
        _ => Ok(()),
    }
}
