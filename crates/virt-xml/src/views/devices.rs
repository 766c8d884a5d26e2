//! Typed views of the devices the model keeps as generic elements:
//! controllers, inputs, video, the memory balloon, RNGs, TPMs, watchdogs,
//! sound cards and host devices.

use super::values::{attrs_view, set_attrs_view};
use super::*;
use crate::model::Attr;

/// `type=` required on a device, with libvirt's "missing" error.
fn required(el: &Element, name: &str) -> Result<String, XmlError> {
    attr(el, name).ok_or_else(|| missing_attr(&el.name, name))
}

/// A non-negative `int` attribute as virXMLPropInt reads it in base 10
/// (VIR_XML_PROP_NONNEGATIVE): blanks and a sign before the digits, none
/// after, at most 2^31 - 1 (seed 42's gen7259: `maxGrantFrames='4294967295'`
/// is refused), with libvirt's errors.
fn int(el: &Element, name: &str) -> Result<Option<u32>, XmlError> {
    let Some(v) = el.attr(name) else {
        return Ok(None);
    };
    let refuse = |what: &str| {
        XmlError::Invalid(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'. Expected {what} value",
            el.name
        ))
    };
    match crate::devinfo::c_int_in(v, 10) {
        None => Err(refuse("integer")),
        Some(n) => u32::try_from(n)
            .map(Some)
            .map_err(|_| refuse("non-negative")),
    }
}

/// A PCI root controller's `<pcihole64>` as libvirt reads it
/// (`virParseScaledValue("./pcihole64")`, for pci-root and pcie-root
/// only): the first one's text (empty is none), in the first unit given,
/// at most `1024 * ULONG_MAX` bytes as that product wraps.
fn pcihole64(el: &Element) -> Result<Option<u64>, XmlError> {
    let root = el.attr("type") == Some("pci")
        && matches!(el.attr("model"), Some("pci-root" | "pcie-root"));
    let Some(hole) = el.child("pcihole64").filter(|_| root) else {
        return Ok(None);
    };
    let text = crate::validate::string_value(hole);
    if text.is_empty() {
        return Ok(None);
    }
    let Some(size) = crate::devinfo::c_unsigned(&text, 10) else {
        return Err(XmlError::InvalidValue {
            value: text,
            xpath: "./pcihole64".into(),
        });
    };
    let unit = el.children_named("pcihole64").find_map(|h| h.attr("unit"));
    crate::units::scale_to_bytes(size, unit, 1024, 1024u64.wrapping_mul(u64::MAX))?;
    Ok(Some(size))
}

/// `<controller>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Controller {
    /// `type=`: ide, fdc, scsi, sata, usb, pci, virtio-serial, ccid, xenbus, isa.
    pub controller_type: String,
    /// `index=`.
    pub index: Option<u32>,
    /// `model=` (piix3-uhci, pci-root, virtio-scsi, ...).
    pub model: Option<String>,
    /// `ports=` (virtio-serial, usb hubs).
    pub ports: Option<u32>,
    /// `vectors=` (virtio-serial).
    pub vectors: Option<u32>,
    /// `<master startport=...>`: the first port of the USB 2 controller
    /// this USB 1 companion serves (ich9-uhci1..3 beside ich9-ehci1).
    pub master_startport: Option<u32>,
    /// `maxGrantFrames=` (xenbus).
    pub max_grant_frames: Option<u32>,
    /// `maxEventChannels=` (xenbus).
    pub max_event_channels: Option<u32>,
    /// `<pcihole64>`: the 64-bit PCI hole's size (pci-root, pcie-root), in
    /// `pcihole64_unit` (KiB when absent).
    pub pcihole64: Option<u64>,
    /// `<pcihole64 unit=>`.
    pub pcihole64_unit: Option<String>,
}

/// A controller's `type=` as libvirt reads it (one of its types, IDE
/// when none is given), then its `model=` against the models of that type
/// (virDomainControllerModelTypeFromString: none for fdc, sata, ccid,
/// xenbus and isa).
fn controller_type(el: &Element) -> Result<&str, XmlError> {
    controller_type_of(el, el.attr("type"), el.attr("model"))
}

/// [`controller_type`] of the values `kind` and `model` of `el`'s
/// `type=` and `model=`.
fn controller_type_of<'a>(
    el: &Element,
    kind: Option<&'a str>,
    model: Option<&str>,
) -> Result<&'a str, XmlError> {
    let controller_type = match kind {
        Some(
            t @ ("ide" | "fdc" | "scsi" | "sata" | "usb" | "pci" | "virtio-serial" | "ccid"
            | "xenbus" | "isa"),
        ) => t,
        Some(t) => {
            return Err(XmlError::Invalid(format!(
                "Invalid value for attribute 'type' in element '{}': '{t}'.",
                el.name
            )))
        }
        // virXMLPropEnum without VIR_XML_PROP_REQUIRED: none is the
        // enumeration's first, IDE.
        None => "ide",
    };
    if let Some(model) = model {
        if !crate::postparse::controller_models(controller_type).contains(&model) {
            return Err(XmlError::Unsupported(format!(
                "Unknown model type '{model}'"
            )));
        }
    }
    Ok(controller_type)
}

/// What virDomainControllerDefParseXML reads of a controller's own
/// attributes before its children and device information: the type,
/// the model, the index.
pub(crate) fn check_controller_head(el: &Element) -> Result<(), XmlError> {
    controller_type(el)?;
    int(el, "index").map(drop)
}

/// What virDomainControllerDefParseXML reads of a controller after its
/// device information: the ports (of any type), then what its type
/// reads: a virtio-serial controller's vectors, a PCI root's
/// `<pcihole64>`, a xenbus controller's grant frames and event channels
/// (seed 42's gen7259: a bad `maxGrantFrames` is refused after an
/// unknown address type, and read for xenbus only).
pub(crate) fn check_controller_tail(el: &Element) -> Result<(), XmlError> {
    controller_counts(el).map(drop)
}

/// The counts [`check_controller_tail`] reads, in its order: ports,
/// vectors, the PCI hole, grant frames, event channels.
#[allow(clippy::type_complexity)]
fn controller_counts(
    el: &Element,
) -> Result<
    (
        Option<u32>,
        Option<u32>,
        Option<u64>,
        Option<u32>,
        Option<u32>,
    ),
    XmlError,
> {
    let ports = int(el, "ports")?;
    let kind = el.attr("type");
    let vectors = match kind {
        Some("virtio-serial") => int(el, "vectors")?,
        _ => None,
    };
    let pcihole64 = pcihole64(el)?;
    let (frames, channels) = match kind {
        Some("xenbus") => (int(el, "maxGrantFrames")?, int(el, "maxEventChannels")?),
        _ => (None, None),
    };
    Ok((ports, vectors, pcihole64, frames, channels))
}

/// Whether the controller's device information (its `<master>`) is read:
/// not for a USB controller of model none.
fn reads_info(el: &Element) -> bool {
    crate::implicit::controller_reads_info(el)
}

impl View for Controller {
    const TAG: &'static str = "controller";
    /// Read in virDomainControllerDefParseXML's order; a count the
    /// controller's type does not read is none.
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let controller_type = controller_type(el)?.to_string();
        let index = int(el, "index")?;
        let master_startport = match el.child("master").filter(|_| reads_info(el)) {
            Some(m) => uint(m, "startport")?,
            None => None,
        };
        let (ports, vectors, pcihole64, max_grant_frames, max_event_channels) =
            controller_counts(el)?;
        Ok(Controller {
            controller_type,
            index,
            model: attr(el, "model"),
            ports,
            vectors,
            master_startport,
            max_grant_frames,
            max_event_channels,
            pcihole64_unit: pcihole64
                .and_then(|_| el.child("pcihole64"))
                .and_then(|h| attr(h, "unit")),
            pcihole64,
        })
    }
    /// [`View::from_element`]'s refusals, in its order, without the
    /// copies (a define checks the two halves on either side of the
    /// device information).
    fn check(el: &Element) -> Result<(), XmlError> {
        check_controller_head(el)?;
        if let Some(m) = el.child("master").filter(|_| reads_info(el)) {
            uint::<u32>(m, "startport")?;
        }
        check_controller_tail(el)
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "type", Some(&self.controller_type));
        put_num(el, "index", self.index);
        put(el, "model", self.model.as_deref());
        put_num(el, "ports", self.ports);
        put_num(el, "vectors", self.vectors);
        match self.master_startport {
            Some(port) => with_child(el, "master", |m| put_num(m, "startport", Some(port))),
            None => remove_children(el, "master"),
        }
        put_num(el, "maxGrantFrames", self.max_grant_frames);
        put_num(el, "maxEventChannels", self.max_event_channels);
        match self.pcihole64 {
            Some(size) => with_child(el, "pcihole64", |h| {
                put(h, "unit", self.pcihole64_unit.as_deref());
                if h.text().trim().parse::<u64>().ok() != Some(size) {
                    h.set_text(size.to_string());
                }
            }),
            None => remove_children(el, "pcihole64"),
        }
    }
}

flat_view! {
    /// `<input>`: `type=` mouse, tablet, keyboard, passthrough, evdev;
    /// `model=`; `bus=` ps2, usb, xen, virtio, ... (checked in
    /// virDomainInputDefParseXML's order: type, model, bus).
    Input = "input" {
        input_type: String = "type" ["mouse", "tablet", "keyboard", "passthrough", "evdev"]
            unknown "unknown input device type" required "missing input device type",
        model: String = "model" ["virtio", "virtio-transitional", "virtio-non-transitional"]
            unknown "unknown input model",
        bus: String = "bus" ["ps2", "usb", "xen", "parallels", "virtio", "none"]
            unknown "unknown input bus type",
    }
}

/// What virDomainInputDefParseXML checks of an `<input>` before its
/// device information: the type (an internal error when missing), the
/// model, the bus.
pub(crate) fn check_input(input: &Element) -> Result<(), XmlError> {
    if input.attr("type").is_none() {
        return Err(XmlError::Internal("missing input device type".into()));
    }
    Input::check(input)
}

/// What virDomainInputDefParseXML checks of an `<input>` after its
/// device information and USB address: a passthrough or evdev device's
/// first `<source>` must name the host device (`evdev=`, `dev=`; an empty
/// one does), then an evdev device's `grab`, `grabToggle` and `repeat`
/// (their zero values `default` and `absent` refused too); then the first
/// `<driver>`'s virtio options. Other devices' sources are not read.
pub(crate) fn check_input_source(input: &Element) -> Result<(), XmlError> {
    let path = match input.attr("type") {
        Some("passthrough") => Some("evdev"),
        Some("evdev") => Some("dev"),
        _ => None,
    };
    if let (Some(path), Some(source)) = (path, input.child("source")) {
        if source.attr(path).is_none() {
            return Err(XmlError::Invalid(
                "Missing evdev path for input device".into(),
            ));
        }
        if path == "dev" {
            super::parts::InputSource::check(source)?;
        }
    }
    input.child("driver").map_or(Ok(()), VirtioOptions::check)
}

/// `<video>` (its `<model>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Video {
    /// `<model type=...>`: vga, cirrus, vmvga, xen, vbox, qxl, virtio, ...
    pub model_type: Option<String>,
    /// `vram=` in KiB.
    pub vram: Option<u32>,
    /// `vram64=` in KiB (qxl): the 64-bit framebuffer.
    pub vram64: Option<u64>,
    /// `ram=` in KiB (qxl).
    pub ram: Option<u32>,
    /// `vgamem=` in KiB (qxl).
    pub vgamem: Option<u32>,
    /// `heads=`.
    pub heads: Option<u32>,
    /// `primary=yes|no` (libvirt reads any other value as no).
    pub primary: Option<String>,
    /// `<model><acceleration accel3d=... accel2d=... rendernode=...>`.
    pub acceleration: Option<VideoAcceleration>,
}

/// `<video><model><acceleration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VideoAcceleration {
    /// `accel3d=yes|no`.
    pub accel3d: Option<String>,
    /// `accel2d=yes|no`.
    pub accel2d: Option<String>,
    /// `rendernode=`: the host render node (virtio with vhost-user).
    pub rendernode: Option<String>,
}

/// Video models libvirt 9.0 knows.
pub(crate) const VIDEO_MODELS: &[&str] = &[
    "default",
    "vga",
    "cirrus",
    "vmvga",
    "xen",
    "vbox",
    "qxl",
    "parallels",
    "virtio",
    "gop",
    "none",
    "bochs",
    "ramfb",
];

impl View for Video {
    const TAG: &'static str = "video";
    fn check(el: &Element) -> Result<(), XmlError> {
        // Known good without a copy in the common case; anything else is
        // read in full for libvirt's error.
        let Some(m) = el.child("model") else {
            return Ok(());
        };
        // One pass over the attributes.
        let good = m.attrs.iter().all(|(k, v)| match k.as_str() {
            "type" => VIDEO_MODELS.contains(&v.as_str()),
            "vram" | "ram" | "vgamem" | "heads" => v.trim().parse::<u32>().is_ok(),
            "vram64" => v.trim().parse::<u64>().is_ok(),
            "primary" => true,
            _ => true,
        }) && m.children.is_empty();
        if good {
            return Ok(());
        }
        Self::from_element(el).map(drop)
    }
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let Some(m) = el.child("model") else {
            return Ok(Video::default());
        };
        let model_type = match m.attr("type") {
            None => None,
            Some(t) if VIDEO_MODELS.contains(&t) => Some(t.to_string()),
            Some(t) => return Err(XmlError::Unsupported(format!("unknown video model '{t}'"))),
        };
        // libvirt's own wording for the video sizes.
        fn size<T: std::str::FromStr>(m: &Element, name: &str) -> Result<Option<T>, XmlError> {
            match m.attr(name) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<T>()
                    .map(Some)
                    .map_err(|_| XmlError::Invalid(format!("cannot parse video {name} '{v}'"))),
            }
        }
        Ok(Video {
            model_type,
            // In libvirt's order: ram, vram, vram64, vgamem, heads.
            ram: size(m, "ram")?,
            vram: size(m, "vram")?,
            vram64: size(m, "vram64")?,
            vgamem: size(m, "vgamem")?,
            // (An internal error, as libvirt words it.)
            heads: match m.attr("heads") {
                None => None,
                Some(v) => {
                    Some(v.trim().parse::<u32>().map_err(|_| {
                        XmlError::Internal(format!("cannot parse video heads '{v}'"))
                    })?)
                }
            },
            // virStringParseYesNo, its failure ignored: any other value
            // is no.
            primary: m
                .attr("primary")
                .filter(|p| matches!(*p, "yes" | "no"))
                .map(str::to_string),
            acceleration: match m.child("acceleration") {
                Some(a) => Some(VideoAcceleration {
                    accel3d: choice(a, "accel3d", &["yes", "no"])?,
                    accel2d: choice(a, "accel2d", &["yes", "no"])?,
                    rendernode: attr(a, "rendernode"),
                }),
                None => None,
            },
        })
    }
    fn write_to(&self, el: &mut Element) {
        if *self == Video::default() {
            remove_children(el, "model");
            return;
        }
        with_child(el, "model", |m| {
            put(m, "type", self.model_type.as_deref());
            put_num(m, "ram", self.ram);
            put_num(m, "vram", self.vram);
            put_num(m, "vram64", self.vram64);
            put_num(m, "vgamem", self.vgamem);
            put_num(m, "heads", self.heads);
            put(m, "primary", self.primary.as_deref());
            match &self.acceleration {
                Some(a) => with_child(m, "acceleration", |e| {
                    put(e, "accel3d", a.accel3d.as_deref());
                    put(e, "accel2d", a.accel2d.as_deref());
                    put(e, "rendernode", a.rendernode.as_deref());
                }),
                None => remove_children(m, "acceleration"),
            }
        });
    }
}

impl Video {
    /// Whether the `<video>` element `el` has a `<model>` (one without
    /// attributes reads as no model).
    pub fn has_model(el: &Element) -> bool {
        el.child("model").is_some()
    }

    /// Move the `<model>` of the `<video>` element `el` before its other
    /// children, where libvirt writes it.
    pub fn model_first(el: &mut Element) {
        if let Some(at) = el
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(e) if e.name == "model"))
        {
            let model = el.children.remove(at);
            el.children.insert(0, model);
        }
    }
}

/// `<memballoon>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemBalloon {
    /// `model=`: virtio, xen, none, virtio-transitional, ...
    pub model: String,
    /// `autodeflate=on|off`.
    pub autodeflate: Option<String>,
    /// `freePageReporting=on|off`.
    pub free_page_reporting: Option<String>,
    /// `<stats period=...>` in seconds.
    pub stats_period: Option<u32>,
}

/// The models of a `<memballoon>`.
const BALLOON_MODELS: [&str; 5] = [
    "virtio",
    "xen",
    "none",
    "virtio-transitional",
    "virtio-non-transitional",
];

/// A memory balloon's `<stats period>` as libvirt reads it
/// (virXMLPropInt in base 0: `0x10`, `010`; a negative period is none).
fn balloon_stats_period(el: &Element) -> Result<Option<u32>, XmlError> {
    match el.child("stats").and_then(|s| s.attr("period")) {
        Some(v) => match crate::devinfo::c_int(v) {
            Some(p) => Ok(Some(p.max(0) as u32)),
            None => Err(XmlError::Invalid(format!(
                "Invalid value for attribute 'period' in element 'stats': '{v}'. Expected integer value"
            ))),
        },
        None => Ok(None),
    }
}

/// A `<memballoon>` switch (`autodeflate=`, `freePageReporting=`): on or
/// off, as [`choice`] reads it, without its copy.
fn balloon_switch(el: &Element, name: &str, value: Option<&str>) -> Result<(), XmlError> {
    match value {
        Some(v) if !matches!(v, "on" | "off") => Err(XmlError::Invalid(format!(
            "Invalid value for attribute '{name}' in element '{}': '{v}'.",
            el.name
        ))),
        _ => Ok(()),
    }
}

impl View for MemBalloon {
    const TAG: &'static str = "memballoon";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let Some(model) = choice(el, "model", &BALLOON_MODELS)? else {
            return Err(missing_attr("memballoon", "model"));
        };
        let stats_period = balloon_stats_period(el)?;
        Ok(MemBalloon {
            model,
            autodeflate: choice(el, "autodeflate", &["on", "off"])?,
            free_page_reporting: choice(el, "freePageReporting", &["on", "off"])?,
            stats_period,
        })
    }
    /// [`View::from_element`]'s refusals, in its order, without building
    /// the view (every define with a balloon checks it).
    fn check(el: &Element) -> Result<(), XmlError> {
        let [model, autodeflate, free_page_reporting] = el.attr_values(|k| {
            Some(match k {
                "model" => 0,
                "autodeflate" => 1,
                "freePageReporting" => 2,
                _ => return None,
            })
        });
        match model {
            None => return Err(missing_attr("memballoon", "model")),
            Some(m) if !BALLOON_MODELS.contains(&m) => {
                return Err(XmlError::Invalid(format!(
                    "Invalid value for attribute 'model' in element '{}': '{m}'.",
                    el.name
                )))
            }
            Some(_) => {}
        }
        balloon_stats_period(el)?;
        balloon_switch(el, "autodeflate", autodeflate)?;
        balloon_switch(el, "freePageReporting", free_page_reporting)
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "model", Some(&self.model));
        put(el, "autodeflate", self.autodeflate.as_deref());
        put(el, "freePageReporting", self.free_page_reporting.as_deref());
        match self.stats_period {
            Some(p) if el.child("stats").is_some() => {
                with_child(el, "stats", |s| put_num(s, "period", Some(p)));
            }
            Some(p) => {
                // libvirt writes the period before the device's address.
                let mut stats = Element::new("stats");
                put_num(&mut stats, "period", Some(p));
                el.children.insert(0, Node::Element(stats));
            }
            None => remove_children(el, "stats"),
        }
    }
}

/// `<rng>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rng {
    /// `model=`: virtio, virtio-transitional, ...
    pub model: String,
    /// `<backend model=...>`: random, egd, builtin.
    pub backend_model: Option<String>,
    /// The `<backend>` text: the host device for `random`.
    pub backend_path: Option<String>,
    /// `<backend type=...>`: the character device kind of an `egd`
    /// backend (tcp, udp, unix, ...).
    pub backend_type: Option<String>,
    /// `<rate bytes=... period=...>`.
    pub rate: Option<(u32, Option<u32>)>,
}

impl View for Rng {
    const TAG: &'static str = "rng";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let model = required(el, "model")?;
        let backend = el.child("backend");
        let rate = match el.child("rate") {
            Some(_) => {
                let (bytes, period) = crate::validate::rng_rate(el)?;
                Some((bytes, (period > 0).then_some(period)))
            }
            None => None,
        };
        Ok(Rng {
            model,
            backend_model: match backend.and_then(|b| b.attr("model")) {
                None => None,
                Some(m @ ("random" | "egd" | "builtin")) => Some(m.to_string()),
                Some(m) => {
                    return Err(XmlError::Unsupported(format!(
                        "unknown RNG backend model '{m}'"
                    )))
                }
            },
            backend_path: backend.map(|b| b.text()).filter(|t| !t.trim().is_empty()),
            backend_type: match backend.and_then(|b| b.attr("type")) {
                Some(t)
                    if backend.and_then(|b| b.attr("model")) == Some("egd")
                        && !CHARDEV_TYPES.contains(&t) =>
                {
                    return Err(XmlError::Unsupported(format!(
                        "unknown backend type '{t}' for egd"
                    )))
                }
                t => t.map(str::to_string),
            },
            rate,
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "model", Some(&self.model));
        match self.rate {
            Some((bytes, period)) => with_child(el, "rate", |r| {
                put_num(r, "bytes", Some(bytes));
                put_num(r, "period", period);
            }),
            None => remove_children(el, "rate"),
        }
        if self.backend_model.is_some()
            || self.backend_path.is_some()
            || self.backend_type.is_some()
        {
            with_child(el, "backend", |b| {
                put(b, "model", self.backend_model.as_deref());
                put(b, "type", self.backend_type.as_deref());
                if b.elements().next().is_none() {
                    let path = self.backend_path.clone().unwrap_or_default();
                    // Blanks are no path (an EGD backend's end tag on a
                    // line of its own, as libvirt writes it): kept.
                    if b.text().trim() != path {
                        b.set_text(path);
                    }
                }
            });
        } else {
            remove_children(el, "backend");
        }
    }
}

/// The character device kinds libvirt 9.0 knows (`<serial type=...>`,
/// an `egd` RNG backend's `type=`).
pub(crate) const CHARDEV_TYPES: &[&str] = &[
    "null",
    "vc",
    "pty",
    "dev",
    "file",
    "pipe",
    "stdio",
    "udp",
    "tcp",
    "unix",
    "spicevmc",
    "spiceport",
    "nmdm",
    "qemu-vdagent",
    "dbus",
];

/// An emulated TPM's backend as virDomainTPMDefParseXML reads it: its
/// version (1.2 or 2.0, `default` refused), the secret of its state
/// encryption (`string(./backend/encryption/@secret)`, in libvirt's UUID
/// forms), its `persistent_state` (yes or no), its PCR banks' names.
fn check_tpm_emulator(backend: &Element) -> Result<(), XmlError> {
    choice(backend, "version", &["1.2", "2.0"])?;
    let secret = backend
        .children_named("encryption")
        .find_map(|e| e.attr("secret"))
        .filter(|s| !s.is_empty());
    if let Some(secret) = secret.filter(|s| crate::parse_uuid(s).is_none()) {
        return Err(XmlError::Internal(format!(
            "Unable to parse secret uuid '{secret}'"
        )));
    }
    if !matches!(backend.attr("persistent_state"), None | Some("yes" | "no")) {
        return Err(XmlError::Internal(
            "Invalid persistent_state value, either 'yes' or 'no'".into(),
        ));
    }
    let banks = backend
        .children_named("active_pcr_banks")
        .flat_map(Element::elements);
    for bank in banks {
        if !["sha1", "sha256", "sha384", "sha512"].contains(&bank.name.as_str()) {
            return Err(XmlError::Unsupported(format!(
                "Unsupported PCR banks '{}'",
                bank.name
            )));
        }
    }
    Ok(())
}

/// `<tpm>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tpm {
    /// `model=`: tpm-tis, tpm-crb, tpm-spapr, spapr-tpm-proxy.
    pub model: Option<String>,
    /// `<backend type=...>`: passthrough, emulator, external.
    pub backend_type: Option<String>,
    /// `<backend version=...>`: 1.2, 2.0.
    pub backend_version: Option<String>,
    /// `<backend><device path=...>` (passthrough).
    pub device_path: Option<String>,
    /// `<backend persistent_state=yes|no>` (emulator).
    pub persistent_state: Option<String>,
    /// `<backend><encryption secret=...>` (emulator): the secret's UUID.
    pub encryption_secret: Option<String>,
    /// `<backend><active_pcr_banks>`: the banks (sha1, sha256, ...) in order.
    pub active_pcr_banks: Vec<String>,
}

impl View for Tpm {
    const TAG: &'static str = "tpm";
    /// Read in virDomainTPMDefParseXML's order: the model, then one
    /// backend and its type, then what that type reads.
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let model = choice(
            el,
            "model",
            &["tpm-tis", "tpm-crb", "tpm-spapr", "spapr-tpm-proxy"],
        )?;
        let mut backends = el.children_named("backend");
        let backend = match (backends.next(), backends.next()) {
            (Some(_), Some(_)) => {
                return Err(XmlError::Invalid(
                    "only one TPM backend is supported".into(),
                ))
            }
            (None, _) => return Err(XmlError::Invalid("missing TPM device backend".into())),
            (Some(b), None) => b,
        };
        let types = ["passthrough", "emulator", "external"];
        let Some(backend_type) = choice(backend, "type", &types)? else {
            return Err(missing_attr("backend", "type"));
        };
        match backend_type.as_str() {
            "emulator" => check_tpm_emulator(backend)?,
            // An external backend names its socket's type.
            "external" => {
                let source = backend
                    .child("source")
                    .and_then(|s| s.attr("type"))
                    .filter(|t| !t.is_empty());
                match source {
                    None => {
                        return Err(XmlError::Invalid(
                            "missing external TPM backend type".into(),
                        ))
                    }
                    Some(t) if !CHARDEV_TYPES.contains(&t) => {
                        return Err(XmlError::Unsupported(format!(
                            "unknown backend type '{t}' for external TPM"
                        )))
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
        Ok(Tpm {
            model,
            backend_type: Some(backend_type),
            backend_version: attr(backend, "version"),
            device_path: backend.child("device").and_then(|d| attr(d, "path")),
            // (Checked above for an emulator, the one type reading it.)
            persistent_state: attr(backend, "persistent_state"),
            encryption_secret: backend.child("encryption").and_then(|e| attr(e, "secret")),
            active_pcr_banks: backend
                .child("active_pcr_banks")
                .map(|a| a.elements().map(|e| e.name.to_string()).collect())
                .unwrap_or_default(),
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "model", self.model.as_deref());
        if self.backend_type.is_none() {
            remove_children(el, "backend");
            return;
        }
        with_child(el, "backend", |b| {
            put(b, "type", self.backend_type.as_deref());
            put(b, "version", self.backend_version.as_deref());
            put(b, "persistent_state", self.persistent_state.as_deref());
            match &self.device_path {
                Some(p) => with_child(b, "device", |d| put(d, "path", Some(p))),
                None => remove_children_with(b, "device", "path"),
            }
            match &self.encryption_secret {
                Some(s) => with_child(b, "encryption", |e| put(e, "secret", Some(s))),
                None => remove_children(b, "encryption"),
            }
            if self.active_pcr_banks.is_empty() {
                // An empty <active_pcr_banks/> (no bank) stays as written.
                b.children.retain(|n| {
                    !matches!(n, Node::Element(e)
                        if e.name == "active_pcr_banks" && e.elements().next().is_some())
                });
            } else {
                with_child(b, "active_pcr_banks", |a| {
                    let same = a
                        .elements()
                        .map(|e| e.name.as_str())
                        .eq(self.active_pcr_banks.iter().map(String::as_str));
                    if !same {
                        a.children = self
                            .active_pcr_banks
                            .iter()
                            .map(|n| Node::Element(Element::new(n.as_str())))
                            .collect();
                    }
                });
            }
        });
    }
}

flat_view! {
    /// `<watchdog>`: `model=` i6300esb, ib700, diag288 (libvirt 9.0 has
    /// no itco); `action=` reset, shutdown, poweroff, pause, dump, none,
    /// inject-nmi.
    Watchdog = "watchdog" {
        model: String = "model" ["i6300esb", "ib700", "diag288"]
            unknown "unknown watchdog model" required "watchdog must contain model name",
        action: String = "action"
            ["reset", "shutdown", "poweroff", "pause", "dump", "none", "inject-nmi"]
            unknown "unknown watchdog action",
    }
}

flat_view! {
    /// `<sound>`: `model=` sb16, es1370, pcspk, ac97, ich6, ich7, ich9,
    /// usb, ...
    Sound = "sound" {
        model: String = "model"
            ["sb16", "es1370", "pcspk", "ac97", "ich6", "ich7", "ich9", "usb", "ics2000", "virtio"]
            required,
    }
}

/// `<hostdev>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Hostdev {
    /// `mode=`: subsystem, capabilities.
    pub mode: Option<String>,
    /// `type=`: pci, usb, scsi, scsi_host, mdev (subsystem); storage, misc, net.
    pub hostdev_type: String,
    /// `managed=yes|no`.
    pub managed: Option<String>,
    /// `<driver name=...>`: the backend (xen, vfio, kvm).
    pub driver_name: Option<String>,
    /// `<source writeFiltering=yes|no>` (pci on Xen).
    pub write_filtering: Option<String>,
    /// `<source><adapter name=...>` (scsi).
    pub adapter: Option<String>,
    /// `<source><address>` attributes in order (domain/bus/slot/function
    /// for pci, bus/target/unit for scsi, bus/device for usb).
    pub source_address: Vec<Attr>,
    /// `<source protocol=...>` (iscsi).
    pub source_protocol: Option<String>,
    /// `<source name=...>` (the iSCSI target and LUN).
    pub source_name: Option<String>,
    /// `<readonly/>` (scsi).
    pub readonly: bool,
    /// `<shareable/>` (scsi).
    pub shareable: bool,
    /// `model=` (mdev): vfio-pci, vfio-ccw, vfio-ap.
    pub model: Option<String>,
    /// `ramfb=` (mdev display), as written.
    pub ramfb: Option<String>,
    /// `<source startupPolicy=>` (usb): mandatory, requisite, optional.
    pub startup_policy: Option<String>,
    /// `<source guestReset=>` (usb), as written.
    pub guest_reset: Option<String>,
    /// `<source><block>`, `<source><char>`, `<source><interface>`: the
    /// host block device, character device or network interface of a
    /// capabilities host device (storage, misc, net).
    pub source_caps: [Option<String>; 3],
}

/// A host device's `model=`: required of a mediated device (subsystem
/// `mdev`), one of the vhost models on a SCSI host (`scsi_host`), refused
/// on the other subsystem types (libvirt names the type
/// given), kept as written on a capabilities device, which libvirt does
/// not read it for.
pub(crate) fn hostdev_model(el: &Element) -> Result<Option<String>, XmlError> {
    if el.attr("mode").is_some_and(|m| m != "subsystem") {
        return Ok(attr(el, "model"));
    }
    match (el.attr("type"), el.attr("model")) {
        (Some("mdev"), None) => Err(missing_attr(&el.name, "model")),
        (Some("mdev"), Some(_)) => choice(el, "model", &["vfio-pci", "vfio-ccw", "vfio-ap"]),
        // A vhost SCSI host's virtio model (virDomainHostdevSubsysSCSIVHostModel).
        (Some("scsi_host"), Some(_)) => choice(
            el,
            "model",
            &[
                "default",
                "virtio",
                "virtio-transitional",
                "virtio-non-transitional",
            ],
        ),
        (Some(t), Some(_)) => Err(XmlError::Invalid(format!(
            "'model' attribute in <hostdev> is only supported when type='{t}'"
        ))),
        (_, m) => Ok(m.map(str::to_string)),
    }
}

/// A SCSI host device's adapter (virDomainHostdevSubsysSCSIHostDefParseXML):
/// libvirt reads it by its name alone (`string(./adapter/@name)`: none
/// without an adapter); the schema's other adapter forms (fc_host,
/// parentaddr) are the storage pool's and are refused here.
pub(crate) fn check_scsi_adapter(el: &Element) -> Result<(), XmlError> {
    if el.attr("type") != Some("scsi") {
        return Ok(());
    }
    // virDomainHostdevSubsysSCSIDefParseXML: the protocol first.
    source_protocol(el)?;
    let source = el.child("source");
    if source.and_then(|s| s.attr("protocol")) == Some("iscsi") {
        return Ok(());
    }
    // virDomainHostdevSubsysSCSIHostDefParseXML: the first address's
    // bus, target (unsigned ints) and unit (an unsigned long long), each
    // required, in C's bases (seed steered 1's gen2758: bus='09', not
    // octal, refused before the device's address type is checked).
    let Some(address) = source.and_then(|s| s.child("address")) else {
        return Err(XmlError::Invalid(
            "'address' must be specified for scsi hostdev source".into(),
        ));
    };
    for name in ["bus", "target"] {
        crate::validate::prop_uint(address, name, 0, true, false)?;
    }
    match address.attr("unit") {
        None => return Err(missing_attr(&address.name, "unit")),
        Some(v) if crate::devinfo::c_unsigned(v, 0).is_none() => {
            return Err(XmlError::NotUnsigned {
                attr: "unit".into(),
                element: address.name.to_string(),
                value: v.into(),
            })
        }
        Some(_) => {}
    }
    let adapter = source.and_then(|s| s.child("adapter"));
    if adapter.and_then(|a| a.attr("name")).is_none() {
        return Err(XmlError::Invalid(
            "'adapter' name must be specified for scsi hostdev source".into(),
        ));
    }
    Ok(())
}

/// A host device's source protocol: a SCSI device's is iSCSI (or
/// `adapter`, the enumeration's none: a host adapter), a SCSI host's
/// vhost; other kinds do not read it.
pub(crate) fn source_protocol(el: &Element) -> Result<Option<String>, XmlError> {
    let protocol = el.child("source").and_then(|s| s.attr("protocol"));
    Ok(match (el.attr("type"), protocol) {
        (_, None) => None,
        (Some("scsi"), Some(p)) if p != "iscsi" && p != "adapter" => {
            return Err(XmlError::Unsupported(format!(
                "Unknown SCSI subsystem protocol '{p}'"
            )))
        }
        (Some("scsi_host"), Some(p)) if p != "vhost" => {
            return Err(XmlError::Unsupported(format!(
                "Unknown scsi_host subsystem protocol '{p}'"
            )))
        }
        (_, Some(p)) => Some(p.to_string()),
    })
}

/// The children naming a capabilities host device's source, in
/// [`Hostdev::source_caps`] order.
const HOSTDEV_CAPS: [&str; 3] = ["block", "char", "interface"];

impl Hostdev {
    /// `<source><address>`, typed.
    pub fn address(&self) -> Result<Address, XmlError> {
        attrs_view(&self.source_address)
    }

    /// Write `<source><address>` back in place.
    pub fn set_address(&mut self, address: &Address) {
        set_attrs_view(&mut self.source_address, address)
    }
}

impl View for Hostdev {
    const TAG: &'static str = "hostdev";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let mode = match el.attr("mode") {
            None => None,
            Some(m @ ("subsystem" | "capabilities")) => Some(m.to_string()),
            Some(m) => return Err(XmlError::Unsupported(format!("unknown hostdev mode '{m}'"))),
        };
        let source = el.child("source");
        if source.is_none() {
            return Err(XmlError::Invalid(
                "Missing <source> element in hostdev device".into(),
            ));
        }
        check_scsi_adapter(el)?;
        let adapter = source.and_then(|s| s.child("adapter"));
        Ok(Hostdev {
            mode,
            hostdev_type: required(el, "type")?,
            managed: choice(el, "managed", &["yes", "no"])?,
            driver_name: el.child("driver").and_then(|d| attr(d, "name")),
            write_filtering: source.and_then(|s| attr(s, "writeFiltering")),
            adapter: adapter.and_then(|a| attr(a, "name")),
            source_address: source
                .and_then(|s| s.child("address"))
                .map(|a| a.attrs.clone())
                .unwrap_or_default(),
            // A SCSI disk's protocol is iSCSI, a SCSI host's vhost; other
            // kinds do not read it.
            source_protocol: source_protocol(el)?,
            source_name: source.and_then(|s| attr(s, "name")),
            readonly: el.child("readonly").is_some(),
            shareable: el.child("shareable").is_some(),
            model: hostdev_model(el)?,
            ramfb: attr(el, "ramfb"),
            startup_policy: match source {
                Some(s) => choice(s, "startupPolicy", &["mandatory", "requisite", "optional"])?,
                None => None,
            },
            guest_reset: source.and_then(|s| attr(s, "guestReset")),
            source_caps: HOSTDEV_CAPS.map(|n| source.and_then(|s| text_of(s, n))),
        })
    }
    fn write_to(&self, el: &mut Element) {
        put(el, "mode", self.mode.as_deref());
        put(el, "type", Some(&self.hostdev_type));
        put(el, "managed", self.managed.as_deref());
        put(el, "model", self.model.as_deref());
        put(el, "ramfb", self.ramfb.as_deref());
        match &self.driver_name {
            Some(n) => with_child(el, "driver", |d| put(d, "name", Some(n))),
            None => {
                if let Some(d) = child_mut(el, "driver") {
                    put(d, "name", None);
                }
            }
        }
        with_child(el, "source", |s| {
            put(s, "protocol", self.source_protocol.as_deref());
            put(s, "writeFiltering", self.write_filtering.as_deref());
            put(s, "name", self.source_name.as_deref());
            put(s, "startupPolicy", self.startup_policy.as_deref());
            put(s, "guestReset", self.guest_reset.as_deref());
            for (name, value) in HOSTDEV_CAPS.iter().zip(&self.source_caps) {
                put_text(s, name, value.as_deref());
            }
            match &self.adapter {
                Some(a) => with_child(s, "adapter", |e| put(e, "name", Some(a))),
                None => remove_children(s, "adapter"),
            }
            if self.source_address.is_empty() {
                // An empty `<address/>` reads as none: it stays as written.
                s.children.retain(
                    |n| !matches!(n, Node::Element(e) if e.name == "address" && !e.is_empty()),
                );
            } else {
                with_child(s, "address", |a| {
                    if a.attrs != self.source_address {
                        a.attrs = self.source_address.clone();
                    }
                });
            }
        });
        for (flag, name) in [(self.readonly, "readonly"), (self.shareable, "shareable")] {
            if !flag {
                remove_children(el, name);
            } else if el.child(name).is_none() {
                el.children.push(Node::Element(Element::new(name)));
            }
        }
    }
}

/// `<boot order=...>` in a device's kept children.
pub(crate) fn boot_order_in(extra: &[Element]) -> Result<Option<u32>, XmlError> {
    let Some(b) = extra.iter().find(|e| e.name == "boot") else {
        return Ok(None);
    };
    match uint::<u32>(b, "order")? {
        None => Err(missing_attr("boot", "order")),
        Some(0) => Err(XmlError::Invalid(
            "Invalid value for attribute 'order' in element 'boot': Zero is not permitted".into(),
        )),
        Some(n) => Ok(Some(n)),
    }
}

fn set_boot_order_in(extra: &mut Vec<Element>, order: Option<u32>) {
    match order {
        Some(n) => match extra.iter_mut().find(|e| e.name == "boot") {
            Some(b) => put_num(b, "order", Some(n)),
            None => extra.push(Element::new("boot").with_attr("order", n.to_string())),
        },
        None => extra.retain(|e| e.name != "boot"),
    }
}

impl Disk {
    /// `<boot order=N>`: this disk's place in the boot order.
    pub fn boot_order(&self) -> Result<Option<u32>, XmlError> {
        boot_order_in(&self.extra)
    }

    /// Set or clear `<boot order=N>`.
    pub fn set_boot_order(&mut self, order: Option<u32>) {
        set_boot_order_in(&mut self.extra, order)
    }
}

impl Interface {
    /// `<boot order=N>`: this interface's place in the boot order.
    pub fn boot_order(&self) -> Result<Option<u32>, XmlError> {
        boot_order_in(&self.extra)
    }

    /// Set or clear `<boot order=N>`.
    pub fn set_boot_order(&mut self, order: Option<u32>) {
        set_boot_order_in(&mut self.extra, order)
    }
}

#[cfg(test)]
mod tests {
    use super::{Controller, MemBalloon, View};
    use crate::XmlError;

    use crate::testing::devices_verdict as verdict;

    // Texts observed from libvirt 9.0 through virsh.
    #[test]
    fn devices_read_as_libvirt_reads_them() {
        for (device, want) in [
            ("<panic model='default'/>", "OK"),
            ("<panic/><panic model='default'/>", "XML error: Multiple panic devices with model 'default'"),
            ("<watchdog/>", "internal error: watchdog must contain model name"),
            ("<watchdog model='itco'/>", "unsupported configuration: unknown watchdog model 'itco'"),
            ("<rng model='virtio'><rate bytes='0' period='x'/><backend model='random'>/dev/urandom</backend></rng>", "OK"),
            ("<rng model='virtio'><rate bytes='10' period='x'/><backend model='random'>/dev/urandom</backend></rng>", "XML error: invalid RNG rate period value"),
            ("<rng model='virtio'><rate bytes='1'/><rate period='x'/><backend model='random'>/dev/urandom</backend></rng>", "XML error: invalid RNG rate period value"),
            ("<rng model='virtio'><backend model='random'>/dev/urandom</backend><driver iommu='x'/></rng>", "XML error: Invalid value for attribute 'iommu' in element 'driver': 'x'."),
            ("<rng model='virtio'><backend model='random'>/dev/urandom</backend><address type='bogus'/><driver iommu='x'/></rng>", "unsupported configuration: unknown address type 'bogus'"),
            ("<rng model='virtio'><backend model='random'>/dev/urandom</backend><driver iommu='on'/><driver iommu='x'/></rng>", "OK"),
            ("<memballoon/>", "XML error: Missing required attribute 'model' in element 'memballoon'"),
            ("<memballoon model='virtio'><driver iommu='x'/></memballoon>", "XML error: Invalid value for attribute 'iommu' in element 'driver': 'x'."),
            ("<vsock model='default'><cid address='3'/></vsock>", "OK"),
            ("<vsock model='virtio'><address type='bogus'/><driver iommu='x'/></vsock>", "unsupported configuration: unknown address type 'bogus'"),
            ("<vsock model='virtio'><driver iommu='on'/><driver iommu='x'/></vsock>", "OK"),
            ("<iommu model='intel'><driver iommu='on'/><driver aw_bits='x'/></iommu>", "OK"),
            ("<video><model type='vga' heads='x'/></video>", "internal error: cannot parse video heads 'x'"),
            ("<video><model type='vga' vgamem='3'/></video>", "unsupported configuration: vgamem attribute only supported for video type qxl"),
            ("<video><model type='none'/></video><video><model type='vga'/></video>",
             "unsupported configuration: a 'none' video type must be the only video device defined for the domain"),
            ("<video><model type='vga' primary='yes'/></video><video><model type='qxl' primary='yes'/></video>",
             "unsupported configuration: Only one primary video device is supported"),
            ("<sound model='ich6'><codec/></sound>", "unsupported configuration: unknown codec type '(null)'"),
            ("<smartcard mode='host-certificates'><certificate>a</certificate><certificate>b</certificate><certificate>c</certificate><database/></smartcard>",
             "An error occurred, but the cause is unknown: a smartcard <database> without text"),
            ("<smartcard mode='host-certificates'><certificate>a</certificate><certificate>b</certificate><certificate>c</certificate><database>rel</database><database>/abs</database></smartcard>",
             "XML error: expecting absolute path: rel"),
        ] {
            assert_eq!(verdict(device), want, "{device}");
        }
    }

    #[test]
    fn tpm_read_in_libvirts_order() {
        for (tpm, want) in [
            ("<tpm model='x'/>", "XML error: Invalid value for attribute 'model' in element 'tpm': 'x'."),
            ("<tpm><backend type='emulator'/><backend type='passthrough'/></tpm>", "XML error: only one TPM backend is supported"),
            ("<tpm/>", "XML error: missing TPM device backend"),
            ("<tpm><backend/></tpm>", "XML error: Missing required attribute 'type' in element 'backend'"),
            ("<tpm><backend type='x'/></tpm>", "XML error: Invalid value for attribute 'type' in element 'backend': 'x'."),
            ("<tpm><backend type='emulator' version='default'/></tpm>", "XML error: Invalid value for attribute 'version' in element 'backend': 'default'."),
            ("<tpm><backend type='emulator' version='x'><encryption secret='0x'/></backend></tpm>", "XML error: Invalid value for attribute 'version' in element 'backend': 'x'."),
            ("<tpm><backend type='emulator' persistent_state='x'><encryption secret='0x'/></backend></tpm>", "internal error: Unable to parse secret uuid '0x'"),
            ("<tpm><backend type='emulator' persistent_state='x'><active_pcr_banks><foo/></active_pcr_banks></backend></tpm>", "internal error: Invalid persistent_state value, either 'yes' or 'no'"),
            ("<tpm><backend type='emulator'><active_pcr_banks><foo/></active_pcr_banks></backend></tpm>", "unsupported configuration: Unsupported PCR banks 'foo'"),
            ("<tpm><backend type='emulator'><encryption/><encryption secret='C2177883F1BB47F0914D32A22E3A8804'/></backend></tpm>", "OK"),
            ("<tpm><backend type='emulator'><encryption secret=''/></backend></tpm>", "OK"),
            // Read by an emulator only.
            ("<tpm model='tpm-crb'><backend type='passthrough' version='2.0' persistent_state='x'><encryption secret='0x'/></backend></tpm>", "OK"),
        ] {
            assert_eq!(verdict(tpm), want, "{tpm}");
        }
    }

    /// A memory balloon's check refuses what reading it refuses, with
    /// the same error, first refusal first.
    #[test]
    fn memballoon_check_refuses_as_reading_does() -> Result<(), XmlError> {
        let cases = [
            "<memballoon model='virtio' autodeflate='on' freePageReporting='off'><stats period='10'/></memballoon>",
            "<memballoon/>",
            "<memballoon model='q' autodeflate='x'/>",
            "<memballoon model='none' autodeflate='x'><stats period='y'/></memballoon>",
            "<memballoon model='xen' freePageReporting='1' autodeflate='2'/>",
            "<memballoon model='virtio' freePageReporting='1'><stats period='-0x10'/></memballoon>",
            "<memballoon autodeflate='x' model='virtio-transitional'/>",
        ];
        for xml in cases {
            let el = crate::reader::parse_element(xml)?;
            let read = MemBalloon::from_element(&el)
                .map(drop)
                .map_err(|e| e.to_string());
            let check = MemBalloon::check(&el).map_err(|e| e.to_string());
            assert_eq!(check, read, "{xml}");
        }
        Ok(())
    }

    /// A controller's check refuses what reading it refuses, with the
    /// same error, first refusal first.
    #[test]
    fn controller_check_refuses_as_reading_does() -> Result<(), XmlError> {
        let cases = [
            "<controller type='usb' index='0' model='qemu-xhci' ports='4'/>",
            "<controller/>",
            "<controller type='floppy'/>",
            "<controller type='fdc' model='x'/>",
            "<controller type='usb' model='pci-root'/>",
            "<controller type='usb' index='-1' ports='z'/>",
            "<controller type='virtio-serial' ports='2' vectors='x'/>",
            "<controller type='usb' model='ich9-uhci1'><master startport='a'/></controller>",
            "<controller type='xenbus' maxGrantFrames='1' maxEventChannels='q'/>",
            "<controller type='pci' model='pci-root'><pcihole64>x</pcihole64></controller>",
        ];
        for xml in cases {
            let el = crate::reader::parse_element(xml)?;
            let read = Controller::from_element(&el)
                .map(drop)
                .map_err(|e| e.to_string());
            let check = Controller::check(&el).map_err(|e| e.to_string());
            assert_eq!(check, read, "{xml}");
        }
        Ok(())
    }

    // virDomainInputDefParseXML's order (type, model, bus, device
    // information, USB address, source, virtio options) and texts, as
    // virsh 9.0 prints them.
    #[test]
    fn input_checked_in_libvirts_order() {
        let bad = |attr: &str, value: &str| {
            format!(
                "XML error: Invalid value for attribute '{attr}' in element 'source': '{value}'."
            )
        };
        let cases = [
            ("<input model='junk'/>".to_string(), "internal error: missing input device type".to_string()),
            ("<input type='mouse' bus='junk' model='junk'/>".into(), "unsupported configuration: unknown input model 'junk'".into()),
            ("<input type='mouse' bus='junk'/>".into(), "unsupported configuration: unknown input bus type 'junk'".into()),
            ("<input type='evdev'><source dev='/d' repeat='x' grab='y'/></input>".into(), bad("grab", "y")),
            ("<input type='evdev'><source dev='/d' grabToggle='x' grab='all'/></input>".into(), bad("grabToggle", "x")),
            ("<input type='evdev'><source dev='/d' grabToggle='default'/></input>".into(), bad("grabToggle", "default")),
            ("<input type='evdev'><source dev='/d' repeat='default'/></input>".into(), bad("repeat", "default")),
            ("<input type='evdev'><source dev='/d' grab='default'/></input>".into(), bad("grab", "default")),
            ("<input type='evdev'><source dev='/d' repeat='x'/><driver iommu='junk'/></input>".into(), bad("repeat", "x")),
            ("<input type='evdev'><source dev='/d' repeat='x'/><address type='usb' bus='x'/></input>".into(), "XML error: Invalid value for attribute 'bus' in element 'address': 'x'. Expected non-negative integer value".into()),
            ("<input type='evdev'><driver iommu='junk'/><address type='junk'/><source dev='/d'/></input>".into(), "unsupported configuration: unknown address type 'junk'".into()),
            ("<input type='evdev'><source repeat='on'/></input>".into(), "XML error: Missing evdev path for input device".into()),
            ("<input type='evdev'><source evdev='/d'/></input>".into(), "XML error: Missing evdev path for input device".into()),
            ("<input type='passthrough' bus='virtio'><source dev='/d'/></input>".into(), "XML error: Missing evdev path for input device".into()),
            ("<input type='passthrough' bus='virtio'><source grab='bad'/><driver iommu='on'/></input>".into(), "XML error: Missing evdev path for input device".into()),
            ("<input type='passthrough' bus='virtio'><source evdev='/e' grab='bad'/></input>".into(), "OK".into()),
            ("<input type='evdev'><source dev='' grab='all'/></input>".into(), "OK".into()),
            ("<input type='evdev'><source dev='/d' grab='all' repeat='off'/><source dev='/e' grab='bad'/></input>".into(), "OK".into()),
            ("<input type='mouse'><source dev='/d' grab='bad'/></input>".into(), "OK".into()),
            ("<input type='evdev'/>".into(), "OK".into()),
        ];
        for (device, want) in cases {
            assert_eq!(verdict(&device), want, "{device}");
        }
    }

    // virDomainControllerDefParseXML's ints (virXMLPropInt, base 10,
    // non-negative) and its order: the index before the device
    // information, the counts after it, each read for its type only
    // (texts observed from libvirt 9.0 through virsh).
    #[test]
    fn controller_counts_read_as_libvirt_reads_them() {
        let bad = |attr: &str, value: &str, what: &str| {
            format!("XML error: Invalid value for attribute '{attr}' in element 'controller': '{value}'. Expected {what} value")
        };
        let cases = [
            ("<controller type='virtio-serial' index='4294967295'/>".to_string(), bad("index", "4294967295", "integer")),
            ("<controller type='virtio-serial' index='5 '/>".into(), bad("index", "5 ", "integer")),
            ("<controller type='virtio-serial' index='-1'/>".into(), bad("index", "-1", "non-negative")),
            ("<controller type='virtio-serial' index=' +5'/>".into(), "OK".into()),
            ("<controller type='virtio-serial' ports='2147483648'/>".into(), bad("ports", "2147483648", "integer")),
            ("<controller type='virtio-serial' vectors='4294967295'/>".into(), bad("vectors", "4294967295", "integer")),
            ("<controller type='xenbus' maxGrantFrames='4294967295'/>".into(), bad("maxGrantFrames", "4294967295", "integer")),
            ("<controller type='xenbus' maxEventChannels='2147483648'/>".into(), bad("maxEventChannels", "2147483648", "integer")),
            ("<controller type='xenbus' maxGrantFrames='4294967295'><address type='unassigned'/></controller>".into(), bad("maxGrantFrames", "4294967295", "integer")),
            ("<controller type='xenbus' maxGrantFrames='x'><address type='junk'/></controller>".into(), "unsupported configuration: unknown address type 'junk'".into()),
            ("<controller type='virtio-serial' ports='x'><address type='junk'/></controller>".into(), "unsupported configuration: unknown address type 'junk'".into()),
            ("<controller type='virtio-serial' index='x'><address type='junk'/></controller>".into(), bad("index", "x", "integer")),
            ("<controller type='xenbus' ports='x' maxGrantFrames='y'/>".into(), bad("ports", "x", "integer")),
            ("<controller type='usb' maxGrantFrames='x' vectors='y'/>".into(), "OK".into()),
        ];
        for (device, want) in cases {
            assert_eq!(verdict(&device), want, "{device}");
        }
    }

    // Texts observed from libvirt 9.0 through virsh.
    #[test]
    fn balloon_period_and_pci_hole_read_as_libvirt_reads_them() {
        let root =
            |hole: &str| format!("<controller type='pci' model='pci-root'>{hole}</controller>");
        let cases = [
            ("<controller type='pci' model='pcie-root'><pcihole64>18446744073709551615</pcihole64></controller>".to_string(), "numerical overflow: value too large: 18446744073709551615"),
            ("<controller type='usb'><pcihole64>x</pcihole64></controller>".into(), "OK"),
            (root("<pcihole64 unit='x'>1</pcihole64>"), "invalid argument: unknown suffix 'x'"),
            (root("<pcihole64>x</pcihole64>"), "XML error: Invalid value 'x' for element or attribute './pcihole64'"),
            (root("<pcihole64></pcihole64>"), "OK"),
            ("<memballoon model='virtio'><stats period='092'/></memballoon>".into(), "XML error: Invalid value for attribute 'period' in element 'stats': '092'. Expected integer value"),
            ("<memballoon model='virtio'><stats period='-5'/></memballoon>".into(), "OK"),
            ("<memballoon model='virtio'><stats period='0x10'/></memballoon>".into(), "OK"),
        ];
        for (device, want) in cases {
            assert_eq!(verdict(&device), want, "{device}");
        }
    }
}
