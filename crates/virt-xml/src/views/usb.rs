//! Typed views of the USB parts of a definition besides the devices
//! themselves: the `<redirfilter>` rules of USB redirection, the vendor and
//! product ids naming a host USB device, and a CCID smartcard's
//! `<target>`. Each value is read with libvirt 9.0's error for a bad one.

use super::*;

/// libvirt's refusal of a USB number that does not read (`expected`:
/// what it wanted).
fn bad_usb_number(element: &str, name: &str, value: &str, expected: &str) -> XmlError {
    XmlError::Invalid(format!(
        "Invalid value for attribute '{name}' in element '{element}': '{value}'. {expected}"
    ))
}

checked_text! {
    /// A USB vendor or product id as libvirt reads it: hexadecimal
    /// (`0x1234` or `1234`), kept as written.
    UsbNumber,
    valid |v| crate::validate::c_uint(v, 16).is_some(),
    refuse |e, n, v| bad_usb_number(e, n, v, "Expected non-negative integer value")
}

checked_text! {
    /// A USB class, vendor or product in a redirection filter: a
    /// [`UsbNumber`], or `-1` for any.
    UsbMatch,
    valid |v| v.trim() == "-1" || crate::validate::c_uint(v, 16).is_some(),
    refuse |e, n, v| bad_usb_number(e, n, v, "Expected integer value")
}

checked_text! {
    /// A USB version in a redirection filter (`2.0`), or `-1` for any.
    UsbVersion,
    valid |v| v.trim() == "-1" || usb_version(v),
    refuse |_, _, v| XmlError::Invalid(format!("Cannot parse USB device version {v}"))
}

flat_view! {
    /// `<vendor id=...>` or `<product id=...>` of a host USB device source.
    UsbId = "vendor" { id: UsbNumber = "id" }
}

flat_view! {
    /// One `<redirfilter><usbdev>` rule: which redirected USB devices (by
    /// class, vendor, product, version; `-1` or absent for any) are allowed.
    UsbDevFilter = "usbdev" {
        class: UsbMatch = "class",
        vendor: UsbMatch = "vendor",
        product: UsbMatch = "product",
        version: UsbVersion = "version",
        allow: String = "allow" ["yes", "no"],
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
