//! The typed view of a `<seclabel>`.

use super::*;

/// `<seclabel>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecLabel {
    /// `type=`: dynamic, static, none.
    pub label_type: Option<String>,
    /// `model=`: selinux, apparmor, dac, none.
    pub model: Option<String>,
    /// `relabel=yes|no`.
    pub relabel: Option<String>,
    /// `labelskip=yes|no` (a device source's label, status XML).
    pub labelskip: Option<String>,
    /// `<label>`.
    pub label: Option<String>,
    /// `<imagelabel>`.
    pub imagelabel: Option<String>,
    /// `<baselabel>`.
    pub baselabel: Option<String>,
}

impl View for SecLabel {
    const TAG: &'static str = "seclabel";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let label_type = choice(el, "type", &["dynamic", "static", "none"])?;
        Ok(SecLabel {
            label_type,
            model: attr(el, "model"),
            relabel: choice(el, "relabel", &["yes", "no"])?,
            labelskip: attr(el, "labelskip"),
            label: text_of(el, "label"),
            imagelabel: text_of(el, "imagelabel"),
            baselabel: text_of(el, "baselabel"),
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "type", self.label_type.as_deref());
        put(el, "model", self.model.as_deref());
        put(el, "relabel", self.relabel.as_deref());
        put(el, "labelskip", self.labelskip.as_deref());
        put_text(el, "label", self.label.as_deref());
        put_text(el, "imagelabel", self.imagelabel.as_deref());
        put_text(el, "baselabel", self.baselabel.as_deref());
    }
}
