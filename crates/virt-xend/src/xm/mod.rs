//! xm config files (`/etc/xen/*.cfg`, the Python-like format of Xen's
//! `xm` tool) and their conversion to and from domain XML.
//!
//! - [`conf`]: the configuration language itself (libvirt's virConf), a
//!   pure codec that keeps comments and order.
//! - [`xm_to_domain`]: a parsed config into a [`virt_xml::DomainDef`] with
//!   what libvirt added after parsing, so that formatting it gives
//!   libvirt's XML.
//! - [`domain_to_xm`]: a definition into the config libvirt wrote for it.
//!
//! libvirt 4.0 (the xend-era driver) and libvirt 9.0 (the libxl driver,
//! which still reads and writes this format) differ in a few details;
//! [`XmFlavour`] picks one.

pub mod cfg2xml;
pub mod conf;
pub mod xml2cfg;

pub use cfg2xml::xm_to_domain;
pub use conf::{Conf, ConfEntry, ConfValue};
pub use xml2cfg::domain_to_xm;

use virt_xml::{DomainDef, FormatOptions};

use crate::XendError;

/// Which libvirt's conversions to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum XmFlavour {
    /// libvirt 4.0, the last release with the xend driver: i686 guests,
    /// `device_model`, 16 MiB of HVM video memory.
    #[default]
    Libvirt4,
    /// libvirt 9.0's libxl driver: x86_64 guests, `device_model_override`,
    /// raw disk formats, a xenbus controller, `<driver name='xen'/>` on
    /// PCI host devices, 8 MiB of HVM video memory.
    Libvirt9,
}

/// Options of the conversions.
#[derive(Debug, Clone, Copy, Default)]
pub struct XmOptions {
    /// Whose output to match.
    pub flavour: XmFlavour,
}

impl XmOptions {
    /// Options for a flavour.
    pub fn new(flavour: XmFlavour) -> Self {
        XmOptions { flavour }
    }

    pub(crate) fn v9(&self) -> bool {
        self.flavour == XmFlavour::Libvirt9
    }
}

/// The domain XML libvirt wrote for the config `text` (passwords
/// included, as `virsh domxml-from-native` shows them).
pub fn xm_text_to_xml(text: &[u8], opts: &XmOptions) -> Result<String, XendError> {
    let def = xm_to_domain(&Conf::parse(text)?, opts)?;
    Ok(def.to_xml(&FormatOptions {
        secure: true,
        ..FormatOptions::default()
    }))
}

/// The config text libvirt wrote for the domain XML `xml`.
pub fn xml_to_xm_text(xml: &str, opts: &XmOptions) -> Result<String, XendError> {
    let def: DomainDef = virt_xml::parse_domain(xml)?;
    Ok(domain_to_xm(&def, opts)?.to_text())
}
