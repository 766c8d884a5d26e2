//! Typed views of the USB parts of a definition besides the devices
//! themselves: the `<redirfilter>` rules of USB redirection, the vendor and
//! product ids naming a host USB device, and a CCID smartcard's
//! `<target>`. Each value is read with libvirt 9.0's error for a bad one.

use super::*;

/// A USB id or class as libvirt reads it in hexadecimal (`0x1234` or
/// `1234`), with `-1` meaning any in a redirection filter.
fn usb_number(el: &Element, name: &str, any: bool) -> Result<Option<String>, XmlError> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    let good = (any && v.trim() == "-1") || crate::validate::c_uint(v, 16).is_some();
    if good {
        return Ok(Some(v.to_string()));
    }
    let expected = match any {
        true => "Expected integer value",
        false => "Expected non-negative integer value",
    };
    Err(XmlError::Invalid(format!(
        "Invalid value for attribute '{name}' in element '{}': '{v}'. {expected}",
        el.name
    )))
}

/// `<vendor id=...>` or `<product id=...>` of a host USB device source: a
/// hexadecimal id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsbId {
    /// `id=` as written (`0x1234`).
    pub id: Option<String>,
}

impl View for UsbId {
    const TAG: &'static str = "vendor";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        Ok(UsbId {
            id: usb_number(el, "id", false)?,
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "id", self.id.as_deref());
    }
}

/// One `<redirfilter><usbdev>` rule: which redirected USB devices (by
/// class, vendor, product, version; `-1` or absent for any) are allowed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsbDevFilter {
    /// `class=`.
    pub class: Option<String>,
    /// `vendor=`.
    pub vendor: Option<String>,
    /// `product=`.
    pub product: Option<String>,
    /// `version=` (`2.0`), or `-1`.
    pub version: Option<String>,
    /// `allow=yes|no`.
    pub allow: Option<String>,
}

impl View for UsbDevFilter {
    const TAG: &'static str = "usbdev";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let class = usb_number(el, "class", true)?;
        let vendor = usb_number(el, "vendor", true)?;
        let product = usb_number(el, "product", true)?;
        let version = match el.attr("version") {
            Some(v) if v.trim() != "-1" && !usb_version(v) => {
                return Err(XmlError::Invalid(format!(
                    "Cannot parse USB device version {v}"
                )))
            }
            v => v.map(str::to_string),
        };
        Ok(UsbDevFilter {
            class,
            vendor,
            product,
            version,
            allow: choice(el, "allow", &["yes", "no"])?,
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "class", self.class.as_deref());
        put(el, "vendor", self.vendor.as_deref());
        put(el, "product", self.product.as_deref());
        put(el, "version", self.version.as_deref());
        put(el, "allow", self.allow.as_deref());
    }
}

/// A USB version as libvirt reads it: a major number, optionally a dot and
/// a minor one (`2`, `2.0`, `1.10`).
fn usb_version(v: &str) -> bool {
    let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    digits(major) && digits(minor)
}

flat_view! {
    /// `<redirfilter>`: the rules deciding which USB devices a client may
    /// redirect, in order.
    RedirFilter = "redirfilter" {} children {
        /// `<usbdev>`s.
        rules: many UsbDevFilter,
    }
}

flat_view! {
    /// A passthrough smartcard's `<target type= port=>`: the character
    /// device end it reaches the guest through (kept as given: libvirt
    /// reads neither at define).
    SmartcardTarget = "target" { target_type: String = "type", port: String = "port" }
}
