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
    /// A USB class, vendor or product in a redirection filter: a C `int`
    /// in C's bases (`0x1234`, `010`), `-1` (or any negative one) for
    /// any.
    UsbMatch,
    valid |v| crate::devinfo::c_int(v).is_some(),
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

/// One `<redirfilter><usbdev>` rule as libvirt reads it
/// (virDomainRedirFilterUSBDevDefParseXML): the class (a byte, or -1),
/// the vendor, the product, the version, then whether it allows.
pub(crate) fn check_usbdev_rule(rule: &Element) -> Result<(), XmlError> {
    let number = |name: &str| match rule.attr(name) {
        None => Ok(None),
        Some(v) => crate::devinfo::c_int(v)
            .map(Some)
            .ok_or_else(|| bad_usb_number(&rule.name, name, v, "Expected integer value")),
    };
    if let Some(class) = number("class")?.filter(|c| *c != -1 && c & !0xff != 0) {
        return Err(XmlError::Internal(format!(
            "Invalid USB Class code {:#x}",
            class as u32
        )));
    }
    number("vendor")?;
    number("product")?;
    UsbDevFilter::from_element(rule)?;
    match rule.attr("allow") {
        Some(_) => Ok(()),
        None => Err(crate::validate::missing_attr(rule, "allow")),
    }
}

/// A USB version as libvirt reads it (virDomainRedirFilterUSBVersionHelper):
/// a major number, a dot, a minor number, each below 100 (`2.0`, `1.10`,
/// `3.1` for 3.10).
fn usb_version(v: &str) -> bool {
    /// strtoul on the start of `t`: spaces, a sign, digits (a minus
    /// wraps, so only zero stays small); the number and the rest.
    fn number(t: &str) -> Option<(u64, &str)> {
        let t = t.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
        let (negative, t) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        let n: u64 = t[..digits].parse().ok()?;
        Some((if negative && n != 0 { u64::MAX } else { n }, &t[digits..]))
    }
    let Some((major, rest)) = number(v) else {
        return false;
    };
    let Some((minor, "")) = rest.strip_prefix('.').and_then(number) else {
        return false;
    };
    major < 100 && minor < 100
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

#[cfg(test)]
mod tests {
    /// libvirt 9.0's refusal of a test domain with `usbdev` as its one
    /// redirection filter rule, or "OK".
    fn verdict(usbdev: &str) -> String {
        let xml = format!(
            "<domain type='test'><name>u</name><memory>1024</memory><os><type>hvm</type></os>\
             <devices><redirfilter>{usbdev}</redirfilter></devices></domain>"
        );
        match crate::parse_domain(&xml) {
            Ok(_) => "OK".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn usb_versions_read_as_libvirt_reads_them() {
        for ok in ["2.0", "-1", " 1.10", "+3.1", "99.99", "-0.0", "2. 5"] {
            assert_eq!(
                verdict(&format!("<usbdev version='{ok}' allow='yes'/>")),
                "OK",
                "{ok}"
            );
        }
        let rules = [
            ("<usbdev class='0x100' vendor='x' allow='yes'/>", "internal error: Invalid USB Class code 0x100"),
            ("<usbdev class='-2' allow='yes'/>", "internal error: Invalid USB Class code 0xfffffffe"),
            ("<usbdev vendor='-5' product='010' class='-1' allow='yes'/>", "OK"),
            ("<usbdev vendor='fAa' allow='yes'/>", "XML error: Invalid value for attribute 'vendor' in element 'usbdev': 'fAa'. Expected integer value"),
            ("<usbdev version='x' allow='q'/>", "XML error: Cannot parse USB device version x"),
            ("<usbdev/>", "XML error: Missing required attribute 'allow' in element 'usbdev'"),
        ];
        for (rule, want) in rules {
            assert_eq!(verdict(rule), want, "{rule}");
        }
        for bad in [
            "406", "2", "100.0", "1.100", "2.0x", "-1.0", ".5", "2.", "2.-1",
        ] {
            assert_eq!(
                verdict(&format!("<usbdev version='{bad}' allow='yes'/>")),
                format!("XML error: Cannot parse USB device version {bad}"),
                "{bad}"
            );
        }
    }
}
