//! Typed views of the firmware parts of `<os>`: `<nvram>`, `<bootmenu>`
//! and `<loader>`.

use super::*;

/// `<os><nvram>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nvram {
    /// The path (the element's text).
    pub path: Option<String>,
    /// `template=`.
    pub template: Option<String>,
    /// `format=`.
    pub format: Option<String>,
    /// `type=`: a storage type (file, block, network, ...; a `<source>`
    /// says where).
    pub nvram_type: Option<String>,
}

impl View for Nvram {
    const TAG: &'static str = "nvram";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let t = el.text();
        Ok(Nvram {
            path: (!t.is_empty()).then_some(t),
            template: attr(el, "template"),
            format: attr(el, "format"),
            // Checked with the loader (validate.rs), for the guests whose
            // loader libvirt reads.
            nvram_type: attr(el, "type"),
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "template", self.template.as_deref());
        put(el, "format", self.format.as_deref());
        put(el, "type", self.nvram_type.as_deref());
        let path = self.path.clone().unwrap_or_default();
        if el.text() != path {
            el.set_text(path);
        }
    }
}

flat_view! {
    /// `<os><bootmenu enable= timeout=>`: whether the firmware offers a boot
    /// menu, and for how many milliseconds.
    BootMenu = "bootmenu" {
        enable: String = "enable" ["yes", "no"],
        timeout: u32 = "timeout",
    } validate boot_menu_timeout
}

/// The first `<bootmenu>` or `<bios>` of `<os>` as libvirt reads it
/// (virDomainDefParseBootXML): the menu's switch, its timeout only when
/// it is on; the BIOS's serial console choice (an unreadable one reads
/// as "no", not refused), its reboot timeout as a C `int`. Their ranges
/// are libvirt's validation's ([`check_boot_ranges`]).
pub(crate) fn check_boot_options(el: &Element) -> Result<(), XmlError> {
    match el.name.as_str() {
        "bootmenu" => {
            let enable = String::read(el, "enable", &["yes", "no"])?;
            if enable.as_deref() == Some("yes") {
                u32::read(el, "timeout", &[])?;
            }
        }
        "bios" => {
            if let Some(v) = el.attr("rebootTimeout") {
                if crate::validate::c_int(v).is_none() {
                    return Err(XmlError::Invalid(format!(
                        "Invalid value for attribute 'rebootTimeout' in element 'bios': '{v}'. Expected integer value"
                    )));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// virDomainDefBootValidate: the first `<bootmenu>`'s timeout (read when
/// the menu is on) and the first `<bios>`'s reboot timeout within
/// libvirt's ranges.
pub(crate) fn check_boot_ranges(os: &[Element]) -> Result<(), XmlError> {
    let first = |name: &str| os.iter().find(|e| e.name == name);
    if let Some(menu) = first("bootmenu").filter(|m| m.attr("enable") == Some("yes")) {
        boot_menu_timeout(&BootMenu::from_element(menu)?)?;
    }
    let reboot = first("bios")
        .and_then(|b| b.attr("rebootTimeout"))
        .and_then(crate::validate::c_int);
    if reboot.is_some_and(|t| !(-1..=65535).contains(&t)) {
        return Err(XmlError::Unsupported(
            "invalid value for rebootTimeout, must be in range [-1,65535]".into(),
        ));
    }
    Ok(())
}

/// libvirt's bound on the boot menu's timeout (a 16-bit number of
/// milliseconds).
fn boot_menu_timeout(menu: &BootMenu) -> Result<(), XmlError> {
    match menu.timeout {
        Some(t) if t > 65535 => Err(XmlError::Unsupported(
            "invalid value for boot menu timeout, must be in range [0,65535]".into(),
        )),
        _ => Ok(()),
    }
}

flat_view! {
    /// `<os><smbios mode=.../>`.
    Smbios = "smbios" { mode: String = "mode" ["emulate", "host", "sysinfo"] }
}

/// `<os><loader>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loader {
    /// The firmware path (the element's text).
    pub path: Option<String>,
    /// `readonly=yes|no`.
    pub readonly: Option<String>,
    /// `type=rom|pflash`.
    pub loader_type: Option<String>,
    /// `secure=yes|no`.
    pub secure: Option<String>,
    /// `stateless=yes|no`: firmware that keeps no NVRAM.
    pub stateless: Option<String>,
}

impl View for Loader {
    const TAG: &'static str = "loader";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let t = el.text();
        Ok(Loader {
            path: (!t.is_empty()).then_some(t),
            readonly: choice(el, "readonly", &["yes", "no"])?,
            loader_type: choice(el, "type", &["rom", "pflash"])?,
            secure: choice(el, "secure", &["yes", "no"])?,
            stateless: choice(el, "stateless", &["yes", "no"])?,
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "readonly", self.readonly.as_deref());
        put(el, "secure", self.secure.as_deref());
        put(el, "stateless", self.stateless.as_deref());
        put(el, "type", self.loader_type.as_deref());
        let path = self.path.clone().unwrap_or_default();
        if el.text() != path {
            el.set_text(path);
        }
    }
}
