//! Typed views of the smaller parts of a definition: device addresses,
//! drivers, sources and targets, network and graphics options, host
//! device and shared-memory details, sysinfo, memtune, idmap. Like the
//! views in the parent module they read from the stored element and write
//! back into it in place.

use std::borrow::Cow;

use super::{
    child_mut, put, remove_children, sync_children, with_child, DiskOptions, View, VirtioOptions,
};
use crate::error::XmlError;
use crate::model::{CharDev, Disk, Element, Graphics, Interface, Node};

/// A flat view field name that stands for the element's own text
/// (`<on_lockfailure>poweroff</on_lockfailure>`) instead of an attribute.
pub const TEXT: &str = "#text";

/// The value of field `name` of `el`: an attribute, or the element's text
/// for [`TEXT`] (`None` when empty).
pub(crate) fn field<'a>(el: &'a Element, name: &str) -> Option<Cow<'a, str>> {
    if name == TEXT {
        let t = el.text();
        (!t.is_empty()).then_some(Cow::Owned(t))
    } else {
        el.attr(name).map(Cow::Borrowed)
    }
}

/// Set field `name` of `el` (see [`field`]); `None` removes it.
fn put_field(el: &mut Element, name: &str, value: Option<&str>) {
    if name == TEXT {
        put_own_text(el, value);
    } else {
        put(el, name, value);
    }
}

/// A value an attribute (or an element's text, [`TEXT`]) holds: read with
/// libvirt's errors, written back keeping the spelling when the value is
/// unchanged.
pub trait AttrValue: Sized + Clone + PartialEq {
    /// Read `value`, attribute `name` of an element called `element`;
    /// `allowed` (when not empty) lists the values libvirt accepts.
    fn parse(element: &str, name: &str, value: &str, allowed: &[&str]) -> Result<Self, XmlError>;
    /// The spelling to write: `old`, the one there now, when it reads as
    /// the same value.
    fn format(&self, old: Option<&str>) -> String;
    /// Read attribute `name` of `el`.
    fn read(el: &Element, name: &str, allowed: &[&str]) -> Result<Option<Self>, XmlError> {
        field(el, name)
            .map(|v| Self::parse(&el.name, name, &v, allowed))
            .transpose()
    }
    /// Write attribute `name` (remove it for `None`).
    fn write(el: &mut Element, name: &str, value: Option<&Self>) {
        let old = field(el, name);
        let new = value.map(|v| v.format(old.as_deref()));
        if new.as_deref() != old.as_deref() {
            put_field(el, name, new.as_deref());
        }
    }
    /// [`AttrValue::read`] for the error only: `value` is attribute
    /// `name` of an element called `element`.
    fn check(
        element: &str,
        name: &str,
        value: Option<&str>,
        allowed: &[&str],
    ) -> Result<(), XmlError> {
        value.map_or(Ok(()), |v| Self::valid(element, name, v, allowed))
    }
    /// Whether `value` reads (the error [`AttrValue::parse`] would give),
    /// for a type that can tell without building the value.
    fn valid(element: &str, name: &str, value: &str, allowed: &[&str]) -> Result<(), XmlError> {
        Self::parse(element, name, value, allowed).map(drop)
    }
}

/// libvirt's refusal of a value outside an enumeration.
fn invalid_value(element: &str, name: &str, value: &str) -> XmlError {
    XmlError::Invalid(format!(
        "Invalid value for attribute '{name}' in element '{element}': '{value}'."
    ))
}

impl AttrValue for String {
    fn parse(element: &str, name: &str, value: &str, allowed: &[&str]) -> Result<Self, XmlError> {
        Self::valid(element, name, value, allowed)?;
        Ok(value.to_string())
    }
    fn format(&self, _: Option<&str>) -> String {
        self.clone()
    }
    fn valid(element: &str, name: &str, value: &str, allowed: &[&str]) -> Result<(), XmlError> {
        match allowed.is_empty() || allowed.contains(&value) {
            true => Ok(()),
            false => Err(invalid_value(element, name, value)),
        }
    }
}

macro_rules! number_attr {
    ($($t:ty),*) => {$(
        impl AttrValue for $t {
            fn parse(element: &str, name: &str, value: &str, _: &[&str]) -> Result<Self, XmlError> {
                value.trim().parse::<$t>().map_err(|_| match name {
                    // An element's number, as libvirt's XPath reads it.
                    TEXT => XmlError::InvalidValue {
                        value: value.into(),
                        xpath: format!("./{element}[1]"),
                    },
                    _ => XmlError::NotUnsigned {
                        attr: name.into(),
                        element: element.into(),
                        value: value.into(),
                    },
                })
            }
            fn format(&self, old: Option<&str>) -> String {
                match old {
                    Some(o) if o.trim().parse::<$t>().ok().as_ref() == Some(self) => o.to_string(),
                    _ => self.to_string(),
                }
            }
        }
    )*};
}
number_attr!(u32, u64);

/// A positive attribute (`virXMLPropUInt` with `VIR_XML_PROP_NONZERO`):
/// zero is refused with libvirt's "Zero is not permitted".
impl AttrValue for std::num::NonZeroU32 {
    fn parse(element: &str, name: &str, value: &str, allowed: &[&str]) -> Result<Self, XmlError> {
        match std::num::NonZeroU32::new(u32::parse(element, name, value, allowed)?) {
            Some(n) => Ok(n),
            None => Err(XmlError::Invalid(format!(
                "Invalid value for attribute '{name}' in element '{element}': Zero is not permitted"
            ))),
        }
    }
    fn format(&self, old: Option<&str>) -> String {
        self.get().format(old)
    }
}

/// A signed attribute libvirt reads as a non-negative `int`
/// (`virXMLPropInt` with `VIR_XML_PROP_NONNEGATIVE`): I/O thread pool
/// sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NonNegInt(pub i32);

impl AttrValue for NonNegInt {
    fn parse(element: &str, name: &str, value: &str, _: &[&str]) -> Result<Self, XmlError> {
        let bad = |why: &str| {
            XmlError::Invalid(format!(
                "Invalid value for attribute '{name}' in element '{element}': '{value}'. {why}"
            ))
        };
        match value.trim().parse::<i32>() {
            Err(_) => Err(bad("Expected integer value")),
            Ok(n) if n < 0 => Err(bad("Expected non-negative value")),
            Ok(n) => Ok(NonNegInt(n)),
        }
    }
    fn format(&self, old: Option<&str>) -> String {
        match old {
            Some(o) if o.trim().parse::<i32>().ok() == Some(self.0) => o.to_string(),
            _ => self.0.to_string(),
        }
    }
}

flat_view! {
    /// `<address>`: where a device sits on its bus (pci, drive, usb,
    /// virtio-serial, isa, dimm, ccw, ...). PCI numbers keep their hex
    /// spelling, so every field is text. Fields are in libvirt's order
    /// (a drive's or a virtio-serial port's controller before its bus).
    Address = "address" {
        address_type: String = "type",
        controller: String = "controller",
        domain: String = "domain",
        bus: String = "bus",
        slot: String = "slot",
        function: String = "function",
        multifunction: String = "multifunction" ["on", "off"],
        target: String = "target",
        unit: String = "unit",
        port: String = "port",
        iobase: String = "iobase",
        irq: String = "irq",
        base: String = "base",
        reg: String = "reg",
        cssid: String = "cssid",
        ssid: String = "ssid",
        devno: String = "devno",
        device: String = "device",
        uuid: String = "uuid",
    }
}

flat_view! {
    /// `<alias name=...>`: the device's name in the hypervisor.
    Alias = "alias" { name: String = "name" }
}

flat_view! {
    /// `<secret>` of an `<auth>`: the libvirt secret holding the password.
    Secret = "secret" {
        secret_type: String = "type",
        usage: String = "usage",
        uuid: String = "uuid",
    }
}

flat_view! {
    /// `<auth username=...><secret .../></auth>` (network disks, iSCSI host
    /// devices).
    Auth = "auth" { username: String = "username" } children {
        /// `<secret>`.
        secret: one Secret,
    }
}

flat_view! {
    /// `<host>` of a network source: a server to reach the storage on.
    SourceHost = "host" {
        name: String = "name",
        port: String = "port",
        transport: String = "transport" ["tcp", "unix", "rdma"],
        socket: String = "socket",
    }
}

flat_view! {
    /// `<iqn name=...>` of an `<initiator>`.
    Iqn = "iqn" { name: String = "name" }
}

flat_view! {
    /// `<initiator><iqn name=.../></initiator>` (iSCSI).
    Initiator = "initiator" {} children {
        /// `<iqn>`.
        iqn: one Iqn,
    }
}

/// The first child of `el` called `T::TAG`, typed.
pub fn child_view<T: View>(el: &Element) -> Result<Option<T>, XmlError> {
    child_view_at(el, T::TAG)
}

/// The first child of `el` called `tag`, read as a `T`.
pub fn child_view_at<T: View>(el: &Element, tag: &str) -> Result<Option<T>, XmlError> {
    el.child(tag)
        .filter(|c| !T::absent(c))
        .map(T::from_element)
        .transpose()
}

/// Every child of `el` called `T::TAG`, typed, in order.
pub fn child_views<T: View>(el: &Element) -> Result<Vec<T>, XmlError> {
    child_views_at(el, T::TAG)
}

/// Every child of `el` called `tag`, read as `T`s, in order.
pub fn child_views_at<T: View>(el: &Element, tag: &str) -> Result<Vec<T>, XmlError> {
    el.children_named(tag).map(T::from_element).collect()
}

/// Write `view` into the first child called `T::TAG` (added at the end
/// when missing); `None` removes every such child.
pub fn set_child_view<T: View>(el: &mut Element, view: Option<&T>) {
    set_child_view_at(el, T::TAG, view)
}

/// [`set_child_view`] for children called `tag`.
pub fn set_child_view_at<T: View>(el: &mut Element, tag: &str, view: Option<&T>) {
    match view {
        Some(v) => with_child(el, tag, |c| v.write_to(c)),
        None => remove_children(el, tag),
    }
}

/// Write `views` into the children called `T::TAG`, in place by position:
/// surplus ones go, new ones follow the last of them.
pub fn set_child_views<T: View>(el: &mut Element, views: &[T]) {
    set_child_views_at(el, T::TAG, views)
}

/// [`set_child_views`] for children called `tag`.
pub fn set_child_views_at<T: View>(el: &mut Element, tag: &str, views: &[T]) {
    sync_children(el, tag, views, |v, e| v.write_to(e));
}

/// The text of the first child called `tag`, when not empty.
pub fn child_text(el: &Element, tag: &str) -> Option<String> {
    el.child(tag).and_then(text_value)
}

/// Write the text of the first child called `tag` (added at the end when
/// missing); `None` removes the children holding text (an empty one, read
/// as none, stays as written).
pub fn set_child_text(el: &mut Element, tag: &str, value: Option<&str>) {
    match value {
        Some(v) => with_child(el, tag, |c| put_own_text(c, Some(v))),
        None => el
            .children
            .retain(|n| !matches!(n, Node::Element(e) if e.name == tag && !e.text().is_empty())),
    }
}

flat_view! {
    /// A disk's `<driver>`: the image format and how I/O reaches it.
    DiskDriver = "driver" {
        name: String = "name",
        format: String = "type",
        cache: String = "cache" ["default", "none", "writethrough", "writeback", "directsync", "unsafe"],
        error_policy: String = "error_policy" ["default", "stop", "report", "ignore", "enospace"],
        rerror_policy: String = "rerror_policy" ["default", "stop", "report", "ignore"],
        io: String = "io" ["threads", "native", "io_uring"],
        ioeventfd: String = "ioeventfd" ["on", "off"],
        event_idx: String = "event_idx" ["on", "off"],
        copy_on_read: String = "copy_on_read" ["on", "off"],
        discard: String = "discard" ["unmap", "ignore"],
        detect_zeroes: String = "detect_zeroes" ["off", "on", "unmap"],
        iothread: u32 = "iothread",
        queues: u32 = "queues",
        queue_size: u32 = "queue_size",
    } children {
        /// The virtio options (`iommu=`, `ats=`, `packed=`, `page_per_vq=`).
        virtio: same VirtioOptions,
    }
}

flat_view! {
    /// A disk's (or backing store's) `<source>` attributes; its `<host>`s,
    /// `<auth>`, `<initiator>` and `<seclabel>`s are views of their own
    /// ([`child_views`]).
    DiskSource = "source" {
        file: String = "file",
        dev: String = "dev",
        dir: String = "dir",
        protocol: String = "protocol",
        name: String = "name",
        pool: String = "pool",
        volume: String = "volume",
        mode: String = "mode",
        query: String = "query",
        // Read only from a running guest's status, not at define.
        index: String = "index",
        tls_hostname: String = "tlsHostname",
        tls: String = "tls",
        startup_policy: String = "startupPolicy" ["mandatory", "requisite", "optional"],
        source_type: String = "type",
        path: String = "path",
        namespace: String = "namespace",
        managed: String = "managed",
        fdgroup: String = "fdgroup",
    }
}

flat_view! {
    /// `<format type=...>` of a backing store.
    BackingFormat = "format" { format: String = "type" }
}

flat_view! {
    /// `<backingStore>`: one layer of a disk's backing chain, with the
    /// layer under it. Its `index` is kept as given: libvirt reads it only
    /// from a running guest's status, not at define.
    BackingStore = "backingStore" {
        store_type: String = "type",
        index: String = "index",
    } children {
        /// `<format type=...>`.
        format: one BackingFormat,
        /// `<source>`.
        source: one DiskSource,
        /// The next `<backingStore>` down the chain (`Some` of an empty
        /// store for the chain's explicit end, `<backingStore/>`).
        next: boxed BackingStore,
    }
}

/// A text-only element (`<serial>ABC</serial>`, `<nodemask>0</nodemask>`).
fn text_value(el: &Element) -> Option<String> {
    let t = el.text();
    (!t.is_empty()).then_some(t)
}

fn put_own_text(el: &mut Element, value: Option<&str>) {
    let v = value.unwrap_or_default();
    if el.text() != v {
        if v.is_empty() {
            el.children.clear();
        } else {
            el.set_text(v);
        }
    }
}

flat_view! {
    /// A disk's `<serial>`: the serial number (the element's text).
    DiskSerial = "serial" { value: String = "#text" }
}

flat_view! {
    /// A disk's `<transient>`: changes are thrown away when the guest stops.
    Transient = "transient" { share_backing: String = "shareBacking" ["yes", "no"] }
}

flat_view! {
    /// A disk's `<target>` attributes beyond the device name and bus the
    /// model types.
    DiskTarget = "target" {
        dev: String = "dev",
        bus: String = "bus",
        tray: String = "tray" ["open", "closed"],
        removable: String = "removable" ["on", "off"],
        rotation_rate: u32 = "rotation_rate",
    }
}

flat_view! {
    /// An interface's `<driver>`: the backend and its queues.
    InterfaceDriver = "driver" {
        name: String = "name",
        txmode: String = "txmode",
        ioeventfd: String = "ioeventfd" ["on", "off"],
        event_idx: String = "event_idx" ["on", "off"],
        queues: u32 = "queues",
        rx_queue_size: u32 = "rx_queue_size",
        tx_queue_size: u32 = "tx_queue_size",
        rss: String = "rss",
        rss_hash_report: String = "rss_hash_report",
        iommu: String = "iommu",
        ats: String = "ats",
        packed: String = "packed",
        page_per_vq: String = "page_per_vq",
    }
}

flat_view! {
    /// An interface's `<source>` attributes (which depend on its type).
    InterfaceSource = "source" {
        name: String = "name",
        bridge: String = "bridge",
        network: String = "network",
        portgroup: String = "portgroup",
        portid: String = "portid",
        dev: String = "dev",
        mode: String = "mode",
        source_type: String = "type",
        path: String = "path",
        address: String = "address",
        port: String = "port",
        connectionid: String = "connectionid",
        portgroupid: String = "portgroupid",
        switchid: String = "switchid",
        missing: String = "missing",
    }
}

flat_view! {
    /// `<local>` of a udp interface source.
    SourceLocal = "local" { address: String = "address", port: String = "port" }
}

flat_view! {
    /// `<ip>` of an interface source (the host side of a user or
    /// ethernet interface).
    SourceIp = "ip" {
        address: String = "address",
        family: String = "family",
        prefix: u32 = "prefix",
        peer: String = "peer",
    }
}

/// An interface's own `<ip address= family= prefix= peer=>` (the guest
/// side), the same attributes as its source's.
pub type InterfaceIp = SourceIp;

flat_view! {
    /// `<route>` of an interface source.
    SourceRoute = "route" {
        family: String = "family",
        address: String = "address",
        prefix: u32 = "prefix",
        gateway: String = "gateway",
        metric: String = "metric",
        netmask: String = "netmask",
    }
}

flat_view! {
    /// An interface's `<mtu size=...>`.
    Mtu = "mtu" { size: u32 = "size" }
}

flat_view! {
    /// One direction of an interface's `<bandwidth>`, in KiB/s and KiB.
    BandwidthRate = "inbound" {
        average: u64 = "average",
        peak: u64 = "peak",
        burst: u64 = "burst",
        floor: u64 = "floor",
    }
}

flat_view! {
    /// An interface's `<bandwidth>`.
    Bandwidth = "bandwidth" { class_id: String = "classID" } children {
        /// `<inbound>`.
        inbound: one BandwidthRate = "inbound",
        /// `<outbound>`.
        outbound: one BandwidthRate = "outbound",
    }
}

flat_view! {
    /// `<parameters>` of a virtual port (802.1Qbg/Qbh, Open vSwitch).
    VirtualPortParameters = "parameters" {
        managerid: String = "managerid",
        typeid: String = "typeid",
        typeidversion: String = "typeidversion",
        instanceid: String = "instanceid",
        profileid: String = "profileid",
        interfaceid: String = "interfaceid",
    }
}

flat_view! {
    /// An interface's `<virtualport>`: `type=` 802.1Qbg, 802.1Qbh,
    /// openvswitch, midonet.
    VirtualPort = "virtualport" { port_type: String = "type" } children {
        /// `<parameters>`.
        parameters: one VirtualPortParameters,
    }
}

flat_view! {
    /// A `<tag>` of a `<vlan>`.
    VlanTag = "tag" {
        id: u32 = "id",
        native_mode: String = "nativeMode",
    }
}

flat_view! {
    /// An interface's `<vlan>`.
    Vlan = "vlan" { trunk: String = "trunk" ["yes", "no"] } children {
        /// The `<tag>`s in order.
        tags: many VlanTag,
    }
}

flat_view! {
    /// The attributes of `<interface>` beyond its type.
    InterfaceOptions = "interface" {
        managed: String = "managed" ["yes", "no"],
        trust_guest_rx_filters: String = "trustGuestRxFilters" ["yes", "no"],
    }
}

flat_view! {
    /// The attributes of `<graphics>` beyond its type (vnc, spice, sdl,
    /// rdp, desktop, egl-headless), in libvirt's order, so that added ones
    /// land where libvirt prints them.
    GraphicsOptions = "graphics" {
        power_control: String = "powerControl" ["yes", "no"],
        port: String = "port",
        autoport: String = "autoport",
        websocket: String = "websocket",
        listen: String = "listen",
        socket: String = "socket",
        keymap: String = "keymap",
        share_policy: String = "sharePolicy",
        passwd: String = "passwd",
        passwd_valid_to: String = "passwdValidTo",
        connected: String = "connected",
        display: String = "display",
        xauth: String = "xauth",
        fullscreen: String = "fullscreen",
        tls_port: String = "tlsPort",
        default_mode: String = "defaultMode",
        multi_user: String = "multiUser",
        replace_user: String = "replaceUser",
    }
}

flat_view! {
    /// A `<listen>` of a graphics device.
    Listen = "listen" {
        listen_type: String = "type" ["address", "network", "socket", "none"],
        address: String = "address",
        network: String = "network",
        socket: String = "socket",
        auto_generated: String = "autoGenerated" ["yes", "no"],
    }
}

flat_view! {
    /// `<source>` of a character device (serial, console, channel,
    /// parallel).
    CharSource = "source" {
        mode: String = "mode",
        path: String = "path",
        host: String = "host",
        service: String = "service",
        channel: String = "channel",
        append: String = "append",
        tls: String = "tls",
        master: String = "master",
        slave: String = "slave",
    }
}

flat_view! {
    /// `<target>` of a character device.
    CharTarget = "target" {
        target_type: String = "type",
        port: u32 = "port",
        name: String = "name",
        address: String = "address",
        state: String = "state",
    }
}

flat_view! {
    /// `<protocol type=raw|telnet|...>` of a tcp character device.
    CharProtocol = "protocol" { protocol_type: String = "type" }
}

flat_view! {
    /// `<model name=...>` of a character device's target.
    CharTargetModel = "model" { name: String = "name" }
}

flat_view! {
    /// A controller's `<driver>`.
    ControllerDriver = "driver" {
        queues: u32 = "queues",
        cmd_per_lun: u32 = "cmd_per_lun",
        max_sectors: u32 = "max_sectors",
        ioeventfd: String = "ioeventfd" ["on", "off"],
        iothread: u32 = "iothread",
        iommu: String = "iommu",
        ats: String = "ats",
        packed: String = "packed",
        page_per_vq: String = "page_per_vq",
    }
}

flat_view! {
    /// A PCI controller's `<target>`.
    ControllerTarget = "target" {
        chassis_nr: u32 = "chassisNr",
        chassis: u32 = "chassis",
        port: String = "port",
        bus_nr: u32 = "busNr",
        index: u32 = "index",
        hotplug: String = "hotplug",
    } children {
        /// `<node>` (pci-expander-bus, pcie-expander-bus).
        node: one TargetNode,
    }
}

flat_view! {
    /// A PCI expander bus's `<target><node>`: the guest NUMA node it is on
    /// (the element's text).
    TargetNode = "node" { node: u32 = "#text" required invalid "invalid NUMA node in target" }
}

flat_view! {
    /// A PCI controller's `<model name=...>`: the emulated device.
    ControllerModel = "model" { name: String = "name" }
}

flat_view! {
    /// A USB companion controller's `<master startport=...>`.
    ControllerMaster = "master" { startport: u32 = "startport" }
}

flat_view! {
    /// `<filesystem>`'s own attributes.
    Filesystem = "filesystem" {
        fs_type: String = "type",
        accessmode: String = "accessmode" ["passthrough", "mapped", "squash"],
        model: String = "model" ["virtio", "virtio-transitional", "virtio-non-transitional"],
        multidevs: String = "multidevs",
        fmode: String = "fmode",
        dmode: String = "dmode",
    } children {
        /// `<binary>` (virtiofs).
        binary: one FilesystemBinary,
    }
}

flat_view! {
    /// A virtiofs filesystem's `<binary path= xattr=>`: the daemon run and
    /// whether it passes extended attributes.
    FilesystemBinary = "binary" { path: String = "path", xattr: String = "xattr" ["on", "off"] }
}

flat_view! {
    /// A filesystem's `<source>`.
    FilesystemSource = "source" {
        dir: String = "dir",
        file: String = "file",
        dev: String = "dev",
        name: String = "name",
        socket: String = "socket",
        usage: u64 = "usage",
        units: String = "units",
    }
}

flat_view! {
    /// A filesystem's `<target dir=...>`: the mount tag in the guest.
    FilesystemTarget = "target" { dir: String = "dir" }
}

flat_view! {
    /// An input's `<source>` (passthrough and evdev inputs).
    InputSource = "source" {
        evdev: String = "evdev",
        dev: String = "dev",
        grab: String = "grab",
        grab_toggle: String = "grabToggle",
        repeat: String = "repeat",
    }
}

flat_view! {
    /// A sound device's `<codec type=...>`: duplex, micro, output.
    SoundCodec = "codec" {
        codec_type: String = "type" ["duplex", "micro", "output"] unknown "unknown codec type",
    }
}

flat_view! {
    /// `<audio>`: an audio backend the sound devices play through.
    Audio = "audio" {
        id: u32 = "id",
        audio_type: String = "type",
        timer_period: u32 = "timerPeriod",
        driver: String = "driver",
        dsp_policy: String = "dspPolicy",
        exclusive: String = "exclusive",
        path: String = "path",
        server_name: String = "serverName",
        try_mmap: String = "tryMMap",
    }
}

flat_view! {
    /// `<panic>`: the guest panic notifier, `model=` isa, pseries,
    /// hyperv, s390, pvpanic.
    Panic = "panic" {
        model: String = "model" ["isa", "pseries", "hyperv", "s390", "pvpanic"]
            unknown "unknown panic model",
    }
}

flat_view! {
    /// A size with its unit: `<size unit='KiB'>1024</size>`,
    /// `<hard_limit unit='KiB'>...`: the number is the element's text
    /// (refused as libvirt refuses a bad one, `./size[1]`), `unit=` KiB
    /// when absent.
    ScaledSize = "size" { value: u64 = "#text" required, unit: String = "unit" } absent scaled_size_absent
}

/// libvirt reads a size's number with its XPath string helper
/// (`virParseScaledValue`), which gives no value for an empty text: the
/// size is then unset (or missing, where libvirt requires it).
fn scaled_size_absent(el: &Element) -> bool {
    el.text().is_empty()
}

/// [`child_view_at`] naming the size as libvirt does for `<memtune>`, and
/// scaled as libvirt scales it (refused when too large for its kind).
fn memtune_size(el: &Element, name: &str) -> Result<Option<ScaledSize>, XmlError> {
    // The number as virStrToLong_ullp reads it (nothing after the digits).
    if let Some(c) = el.child(name).filter(|c| !ScaledSize::absent(c)) {
        let text = c.text();
        if crate::devinfo::c_unsigned(&text, 10).is_none() {
            return Err(XmlError::InvalidValue {
                value: text,
                xpath: format!("./memtune/{name}[1]"),
            });
        }
    }
    let size = child_view_at::<ScaledSize>(el, name).map_err(|e| match e {
        XmlError::InvalidValue { value, .. } => XmlError::InvalidValue {
            value,
            xpath: format!("./memtune/{name}[1]"),
        },
        e => e,
    })?;
    if let Some(s) = &size {
        let value = s.value.to_string();
        match name {
            "min_guarantee" => crate::parse_memory(&value, s.unit.as_deref())?,
            _ => crate::units::parse_memory_limit(&value, s.unit.as_deref())?,
        };
    }
    Ok(size)
}

/// `<memory>` device: a DIMM, NVDIMM or virtio-mem the guest can plug.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemoryDevice {
    /// `model=`: dimm, nvdimm, virtio-pmem, virtio-mem, sgx-epc.
    pub model: Option<String>,
    /// `access=shared|private`.
    pub access: Option<String>,
    /// `discard=yes|no`.
    pub discard: Option<String>,
    /// `<source><pagesize>`.
    pub source_pagesize: Option<ScaledSize>,
    /// `<source><nodemask>`: host NUMA nodes.
    pub source_nodemask: Option<String>,
    /// `<source><path>` (nvdimm, virtio-pmem).
    pub source_path: Option<String>,
    /// `<target><size>`.
    pub target_size: Option<ScaledSize>,
    /// `<target><node>`: the guest NUMA cell.
    pub target_node: Option<u32>,
    /// `<uuid>` (as written; libvirt reads it for the models that keep
    /// one).
    pub uuid: Option<String>,
    /// `<target><label><size>` (nvdimm): the label area.
    pub target_label_size: Option<ScaledSize>,
    /// `<target><block>` (virtio-mem): the block size.
    pub target_block: Option<ScaledSize>,
}

impl View for MemoryDevice {
    const TAG: &'static str = "memory";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let source = el.child("source");
        let target = el.child("target");
        let target_node = match target.and_then(|t| t.child("node")) {
            Some(n) => {
                let t = n.text();
                Some(t.trim().parse().map_err(|_| XmlError::InvalidValue {
                    value: t.clone(),
                    xpath: "./target/node[1]".into(),
                })?)
            }
            None => None,
        };
        Ok(MemoryDevice {
            model: String::read(
                el,
                "model",
                &["dimm", "nvdimm", "virtio-pmem", "virtio-mem", "sgx-epc"],
            )?,
            access: String::read(el, "access", &["shared", "private"])?,
            discard: String::read(el, "discard", &["yes", "no"])?,
            source_pagesize: source
                .map(|s| child_view_at::<ScaledSize>(s, "pagesize"))
                .transpose()?
                .flatten(),
            source_nodemask: source.and_then(|s| child_text(s, "nodemask")),
            source_path: source.and_then(|s| child_text(s, "path")),
            target_size: target
                .map(|t| child_view_at::<ScaledSize>(t, "size"))
                .transpose()?
                .flatten(),
            target_node,
            uuid: child_text(el, "uuid"),
            target_label_size: target
                .and_then(|t| t.child("label"))
                .map(|l| child_view_at::<ScaledSize>(l, "size"))
                .transpose()?
                .flatten(),
            target_block: match target.and_then(|t| t.child("block")) {
                Some(b) => {
                    let block = ScaledSize::from_element(b)?;
                    if let Some(u) = &block.unit {
                        crate::units::unit_scale(u)?;
                    }
                    Some(block)
                }
                None => None,
            },
        })
    }
    fn write_to(&self, el: &mut Element) {
        String::write(el, "model", self.model.as_ref());
        String::write(el, "access", self.access.as_ref());
        String::write(el, "discard", self.discard.as_ref());
        let source = self.source_pagesize.is_some()
            || self.source_nodemask.is_some()
            || self.source_path.is_some();
        if source {
            with_child(el, "source", |s| {
                set_child_text(s, "path", self.source_path.as_deref());
                set_child_view_at(s, "pagesize", self.source_pagesize.as_ref());
                set_child_text(s, "nodemask", self.source_nodemask.as_deref());
            });
        } else if let Some(s) = child_mut(el, "source") {
            // Only what the view types goes: an empty <source/> stays.
            for name in ["path", "pagesize", "nodemask"] {
                remove_children(s, name);
            }
        }
        // An empty <uuid/> (read as none) stays as written.
        set_child_text(el, "uuid", self.uuid.as_deref());
        let target = self.target_size.is_some()
            || self.target_node.is_some()
            || self.target_label_size.is_some()
            || self.target_block.is_some();
        if target {
            with_child(el, "target", |t| {
                set_child_view_at(t, "size", self.target_size.as_ref());
                set_child_view_at(t, "block", self.target_block.as_ref());
                match &self.target_label_size {
                    Some(s) => with_child(t, "label", |l| set_child_view_at(l, "size", Some(s))),
                    None => {
                        if let Some(l) = child_mut(t, "label") {
                            remove_children(l, "size");
                        }
                    }
                }
                let same = t
                    .child("node")
                    .and_then(|n| n.text().trim().parse::<u32>().ok())
                    == self.target_node;
                if !same {
                    let node = self.target_node.map(|n| n.to_string());
                    set_child_text(t, "node", node.as_deref());
                }
            });
        } else if let Some(t) = child_mut(el, "target") {
            // Only what the view types goes: an empty <target/> stays.
            for name in ["size", "node", "block"] {
                remove_children(t, name);
            }
        }
    }
}

flat_view! {
    /// `<shmem><model type=...>`: ivshmem, ivshmem-plain, ivshmem-doorbell.
    ShmemModel = "model" {
        model_type: String = "type" ["ivshmem", "ivshmem-plain", "ivshmem-doorbell"],
    }
}

flat_view! {
    /// `<shmem><server path=...>`: the doorbell server's socket.
    ShmemServer = "server" { path: String = "path" }
}

flat_view! {
    /// `<shmem><msi vectors= ioeventfd=>` (only with a server, libvirt says).
    ShmemMsi = "msi" { vectors: u32 = "vectors", ioeventfd: String = "ioeventfd" ["on", "off"] }
}

flat_view! {
    /// `<shmem>`: memory shared between guests (ivshmem).
    Shmem = "shmem" {
        name: String = "name",
        role: String = "role" ["master", "peer"],
    } children {
        /// `<model>`.
        model: one ShmemModel,
        /// `<size>`.
        size: one ScaledSize,
        /// `<server>` (doorbell).
        server: one ShmemServer,
        /// `<msi>`.
        msi: one ShmemMsi,
    } validate check_shmem
}

/// libvirt's check of a read `<shmem>`: MSI needs a server.
fn check_shmem(shmem: &Shmem) -> Result<(), XmlError> {
    match (&shmem.msi, &shmem.server) {
        (Some(_), None) => Err(XmlError::Invalid(
            "msi option is only supported with a server".into(),
        )),
        _ => Ok(()),
    }
}

/// `<memtune>`: host memory limits for the guest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Memtune {
    /// `<hard_limit>`.
    pub hard_limit: Option<ScaledSize>,
    /// `<soft_limit>`.
    pub soft_limit: Option<ScaledSize>,
    /// `<swap_hard_limit>`.
    pub swap_hard_limit: Option<ScaledSize>,
    /// `<min_guarantee>`.
    pub min_guarantee: Option<ScaledSize>,
}

const MEMTUNE: [&str; 4] = [
    "hard_limit",
    "soft_limit",
    "swap_hard_limit",
    "min_guarantee",
];

impl View for Memtune {
    const TAG: &'static str = "memtune";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        // In libvirt's order, for the error of a definition with several
        // bad sizes.
        let hard_limit = memtune_size(el, MEMTUNE[0])?;
        let soft_limit = memtune_size(el, MEMTUNE[1])?;
        let min_guarantee = memtune_size(el, MEMTUNE[3])?;
        Ok(Memtune {
            hard_limit,
            soft_limit,
            swap_hard_limit: memtune_size(el, MEMTUNE[2])?,
            min_guarantee,
        })
    }
    fn write_to(&self, el: &mut Element) {
        let values = [
            &self.hard_limit,
            &self.soft_limit,
            &self.swap_hard_limit,
            &self.min_guarantee,
        ];
        for (name, v) in MEMTUNE.iter().zip(values) {
            set_child_view_at(el, name, v.as_ref());
        }
    }
}

flat_view! {
    /// A `<uid>` or `<gid>` range of a container's `<idmap>`.
    IdRange = "uid" {
        start: u32 = "start",
        target: u32 = "target",
        count: u32 = "count",
    }
}

flat_view! {
    /// `<idmap>`: user and group id ranges of a container.
    Idmap = "idmap" {} children {
        /// `<uid>`s in order.
        uid: many IdRange = "uid",
        /// `<gid>`s in order.
        gid: many IdRange = "gid",
    }
}

/// One section of `<sysinfo type='smbios'>`: its `<entry name=...>`s.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SysinfoSection {
    /// The section: bios, system, baseBoard, chassis.
    pub name: String,
    /// (entry name, value) in order.
    pub entries: Vec<(String, String)>,
}

/// `<sysinfo>`: the SMBIOS tables (or fw_cfg entries) the guest sees.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sysinfo {
    /// `type=smbios|fwcfg`.
    pub sysinfo_type: Option<String>,
    /// bios, system, baseBoard, chassis sections in order.
    pub sections: Vec<SysinfoSection>,
    /// `<oemStrings><entry>`s in order.
    pub oem_strings: Vec<String>,
    /// The `<entry>`s of `type='fwcfg'`, in order.
    pub fw_cfg: Vec<FwCfgEntry>,
}

/// One `<sysinfo type='fwcfg'>` `<entry name= file=>`: a firmware
/// configuration blob, given inline (the element's text) or from a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FwCfgEntry {
    /// `name=` (`opt/...`).
    pub name: String,
    /// `file=`: the host file holding the blob.
    pub file: Option<String>,
    /// The inline value (the element's text).
    pub value: Option<String>,
}

const SYSINFO_SECTIONS: [&str; 4] = ["bios", "system", "baseBoard", "chassis"];

impl View for Sysinfo {
    const TAG: &'static str = "sysinfo";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        let mut sections = Vec::new();
        for s in el.elements() {
            if !SYSINFO_SECTIONS.contains(&s.name.as_str()) {
                continue;
            }
            let mut entries = Vec::new();
            for e in s.children_named("entry") {
                let Some(name) = e.attr("name") else {
                    return Err(XmlError::Invalid(format!(
                        "Missing required attribute 'name' in element 'entry' of '{}'",
                        s.name
                    )));
                };
                entries.push((name.to_string(), e.text()));
            }
            sections.push(SysinfoSection {
                name: s.name.clone(),
                entries,
            });
        }
        let mut fw_cfg = Vec::new();
        for e in el.children_named("entry") {
            let Some(name) = e.attr("name") else {
                return Err(XmlError::Invalid(
                    "Firmware entry is missing 'name' attribute".into(),
                ));
            };
            let value = Some(e.text()).filter(|t| !t.is_empty());
            let file = e.attr("file").map(str::to_string);
            if value.is_none() && file.is_none() {
                return Err(XmlError::Invalid(
                    "Firmware entry must have either value or 'file' attribute".into(),
                ));
            }
            fw_cfg.push(FwCfgEntry {
                name: name.to_string(),
                file,
                value,
            });
        }
        Ok(Sysinfo {
            fw_cfg,
            sysinfo_type: String::read(el, "type", &["smbios", "fwcfg"])?,
            sections,
            oem_strings: el
                .child("oemStrings")
                .map(|o| o.children_named("entry").map(|e| e.text()).collect())
                .unwrap_or_default(),
        })
    }
    fn write_to(&self, el: &mut Element) {
        String::write(el, "type", self.sysinfo_type.as_ref());
        for name in SYSINFO_SECTIONS {
            let section = self.sections.iter().find(|s| s.name == name);
            match section {
                Some(s) => with_child(el, name, |c| {
                    sync_children(c, "entry", &s.entries, |(k, v), e| {
                        put(e, "name", Some(k));
                        put_own_text(e, Some(v));
                    })
                }),
                None => remove_children(el, name),
            }
        }
        sync_children(el, "entry", &self.fw_cfg, |f, e| {
            put(e, "name", Some(&f.name));
            put(e, "file", f.file.as_deref());
            put_own_text(e, f.value.as_deref());
        });
        if self.oem_strings.is_empty() {
            remove_children(el, "oemStrings");
        } else {
            with_child(el, "oemStrings", |o| {
                sync_children(o, "entry", &self.oem_strings, |v, e| {
                    put_own_text(e, Some(v))
                })
            });
        }
    }
}

flat_view! {
    /// `<iothreads>N</iothreads>`: how many I/O threads the guest gets
    /// (the element's text).
    IoThreads = "iothreads" {
        count: u32 = "#text" required invalid "invalid iothreads count '{}'",
    }
}

flat_view! {
    /// An `<iothread id=...>` of `<iothreadids>`, read as
    /// virDomainIOThreadIDDefParseXML reads it (a positive id, pool
    /// sizes as non-negative ints).
    IoThreadId = "iothread" {
        id: std::num::NonZeroU32 = "id",
        thread_pool_min: NonNegInt = "thread_pool_min",
        thread_pool_max: NonNegInt = "thread_pool_max",
    }
}

flat_view! {
    /// `<iothreadids>`: the I/O threads by id.
    IoThreadIds = "iothreadids" {} children {
        /// The `<iothread>`s in order.
        iothreads: many IoThreadId,
    }
}

flat_view! {
    /// `<os><bios>`: legacy BIOS options.
    Bios = "bios" {
        useserial: String = "useserial" ["yes", "no"],
        reboot_timeout: String = "rebootTimeout",
    }
}

flat_view! {
    /// `<os><boot>`: a boot device, `dev=` as libvirt writes it, or the
    /// element's text as 0.2-era definitions spelled it
    /// (`<boot>cdrom</boot>`, `legacy_dev`).
    OsBoot = "boot" {
        dev: String = "dev" ["hd", "fd", "cdrom", "network"],
        legacy_dev: String = "#text",
    }
}

/// `<metadata>`: applications' own elements, each in its namespace,
/// kept whole.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// The elements in order.
    pub elements: Vec<Element>,
}

impl View for Metadata {
    const TAG: &'static str = "metadata";
    fn from_element(el: &Element) -> Result<Self, XmlError> {
        Ok(Metadata {
            elements: el.elements().cloned().collect(),
        })
    }
    fn write_to(&self, el: &mut Element) {
        let same = el.elements().eq(self.elements.iter());
        if !same {
            el.children = self.elements.iter().cloned().map(Node::Element).collect();
        }
    }
}

/// A view of a device's stored children (`T::TAG`), first one.
fn first_in<T: View>(els: &[Element]) -> Result<Option<T>, XmlError> {
    els.iter()
        .find(|e| e.name == T::TAG)
        .map(T::from_element)
        .transpose()
}

/// Write `view` into the first stored child called `T::TAG` (added at
/// the end when missing; `None` removes them).
fn set_first_in<T: View>(els: &mut Vec<Element>, view: Option<&T>) {
    match (view, els.iter_mut().find(|e| e.name == T::TAG)) {
        (Some(v), Some(e)) => v.write_to(e),
        (Some(v), None) => els.push(v.to_element()),
        (None, _) => els.retain(|e| e.name != T::TAG),
    }
}

/// Views of stored attributes: an element holding just them.
pub(super) fn attrs_view<T: View>(attrs: &[(String, String)]) -> Result<T, XmlError> {
    let el = Element {
        name: T::TAG.to_string(),
        attrs: attrs.to_vec(),
        children: Vec::new(),
    };
    T::from_element(&el)
}

pub(super) fn set_attrs_view<T: View>(attrs: &mut Vec<(String, String)>, view: &T) {
    let mut el = Element {
        name: T::TAG.to_string(),
        attrs: std::mem::take(attrs),
        children: Vec::new(),
    };
    view.write_to(&mut el);
    *attrs = el.attrs;
}

/// Typed access to the parts the model keeps as stored children of a
/// device: `<driver>`, `<address>`, `<alias>`, `<auth>`, ...
macro_rules! stored_parts {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// The first stored child called `T::TAG` (`<address>`,
            /// `<alias>`, `<driver>`, ...), typed.
            pub fn part<T: View>(&self) -> Result<Option<T>, XmlError> {
                first_in(&self.extra)
            }

            /// Write `view` into the first stored child called `T::TAG`
            /// (adding it when missing; `None` removes it).
            pub fn set_part<T: View>(&mut self, view: Option<&T>) {
                set_first_in(&mut self.extra, view)
            }

            /// Every stored child called `T::TAG`, typed, in order (the
            /// two `<source>`s of a udp character device, the `<ip>`s of
            /// an interface).
            pub fn parts<T: View>(&self) -> Result<Vec<T>, XmlError> {
                self.extra
                    .iter()
                    .filter(|e| e.name == T::TAG)
                    .map(T::from_element)
                    .collect()
            }

            /// Add a stored child holding `view` after the others.
            pub fn add_part<T: View>(&mut self, view: &T) {
                self.extra.push(view.to_element())
            }
        }
    )*};
}
stored_parts!(Disk, Interface, Graphics, CharDev);

impl Interface {
    /// The attributes of `<interface>` beyond its type, typed.
    pub fn options(&self) -> Result<InterfaceOptions, XmlError> {
        attrs_view(&self.attrs)
    }

    /// Write the interface's options back in place.
    pub fn set_options(&mut self, options: &InterfaceOptions) {
        set_attrs_view(&mut self.attrs, options)
    }

    /// The `<source>` attributes, typed.
    pub fn typed_source(&self) -> Result<InterfaceSource, XmlError> {
        attrs_view(&self.source)
    }

    /// Write the `<source>` attributes back in place.
    pub fn set_typed_source(&mut self, source: &InterfaceSource) {
        set_attrs_view(&mut self.source, source);
        if let Some(e) = self.extra.iter_mut().find(|e| e.name == "source") {
            e.attrs = self.source.clone();
        }
    }
}

impl Graphics {
    /// The attributes of `<graphics>` beyond its type, typed.
    pub fn options(&self) -> Result<GraphicsOptions, XmlError> {
        attrs_view(&self.attrs)
    }

    /// Write the graphics options back in place.
    pub fn set_options(&mut self, options: &GraphicsOptions) {
        set_attrs_view(&mut self.attrs, options)
    }

    /// Write the options `head` sets where libvirt writes the port and
    /// autoport of VNC and SPICE, first: one the graphics has is changed
    /// in place, a new one goes after the last of `head`'s before it (the
    /// start when there is none). The options `head` leaves unset stay.
    pub fn set_options_first(&mut self, head: &GraphicsOptions) {
        let mut at = 0;
        for (name, value) in head.to_element().attrs {
            match self.attrs.iter().position(|(k, _)| *k == name) {
                Some(i) => {
                    self.attrs[i].1 = value;
                    at = i + 1;
                }
                None => {
                    self.attrs.insert(at, (name, value));
                    at += 1;
                }
            }
        }
    }
}

impl Disk {
    /// The attributes of `<disk>` beyond its type, device and the ones
    /// the model types (model, rawio, sgio, snapshot), typed.
    pub fn options(&self) -> Result<DiskOptions, XmlError> {
        attrs_view(&self.attrs)
    }

    /// The `<driver>`, typed: the name and format from the typed fields,
    /// the rest from the stored element. `None` when there is none.
    pub fn driver(&self) -> Result<Option<DiskDriver>, XmlError> {
        let stored = first_in::<DiskDriver>(&self.extra)?;
        if stored.is_none() && self.driver_name.is_none() && self.driver_type.is_none() {
            return Ok(None);
        }
        let mut d = stored.unwrap_or_default();
        d.name = self.driver_name.clone();
        d.format = self.driver_type.clone();
        Ok(Some(d))
    }

    /// Write the `<driver>` back: name and format into the typed fields,
    /// the rest into the stored element (`None` removes it all).
    pub fn set_driver(&mut self, driver: Option<&DiskDriver>) {
        self.driver_name = driver.and_then(|d| d.name.clone());
        self.driver_type = driver.and_then(|d| d.format.clone());
        let rest = driver.filter(|d| {
            let typed_only = DiskDriver {
                name: d.name.clone(),
                format: d.format.clone(),
                ..DiskDriver::default()
            };
            **d != typed_only
        });
        match rest {
            Some(d) => set_first_in(&mut self.extra, Some(d)),
            None => self.extra.retain(|e| e.name != "driver"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_domain, FormatOptions};

    const DOMAIN: &str = "<domain type='kvm'>\n  <name>g</name>\n  <memory unit='KiB'>1024</memory>\n  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n  <devices>\n    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source file='/a.img'/>\n      <target dev='vda' bus='virtio'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>\n    </disk>\n  </devices>\n</domain>\n";

    #[test]
    fn disk_driver_and_address_write_back() -> Result<(), XmlError> {
        let mut def = parse_domain(DOMAIN)?;
        let Some(disk) = def.devices.disks.first_mut() else {
            return Err(XmlError::Invalid("no disk".into()));
        };
        let mut driver = disk.driver()?.unwrap_or_default();
        assert_eq!(driver.name.as_deref(), Some("qemu"));
        assert_eq!(driver.format.as_deref(), Some("raw"));
        driver.cache = Some("none".into());
        driver.io = Some("native".into());
        disk.set_driver(Some(&driver));
        let mut addr = disk.part::<Address>()?.unwrap_or_default();
        assert_eq!(addr.slot.as_deref(), Some("0x04"));
        addr.slot = Some("0x05".into());
        disk.set_part(Some(&addr));
        let out = def.to_xml(&FormatOptions::default());
        assert!(
            out.contains("<driver name='qemu' type='raw' cache='none' io='native'/>"),
            "{out}"
        );
        assert!(out.contains("slot='0x05'"), "{out}");
        let back = parse_domain(&out)?;
        let again = back.devices.disks.first().map(|d| d.driver());
        assert_eq!(again, Some(Ok(Some(driver))));
        Ok(())
    }

    #[test]
    fn flat_views_refuse_bad_values_like_libvirt() {
        let el = Element::new("driver").with_attr("cache", "bogus");
        assert_eq!(
            DiskDriver::from_element(&el).err().map(|e| e.to_string()),
            Some(
                "XML error: Invalid value for attribute 'cache' in element 'driver': 'bogus'."
                    .into()
            )
        );
        assert_eq!(
            DiskDriver::check(&el),
            DiskDriver::from_element(&el).map(drop)
        );
        let el = Element::new("driver").with_attr("queues", "x");
        assert!(ControllerDriver::check(&el).is_err());
        let ok = Element::new("driver").with_attr("queues", "4");
        assert_eq!(ControllerDriver::check(&ok), Ok(()));
    }
}

flat_view! {
    /// A virtiofs `<binary><cache mode=>`: the daemon's caching.
    VirtiofsCache = "cache" { mode: String = "mode" }
}

flat_view! {
    /// A virtiofs `<binary><lock posix= flock=>`: which locks it passes on.
    VirtiofsLock = "lock" { posix: String = "posix", flock: String = "flock" }
}

flat_view! {
    /// A virtiofs `<binary><sandbox mode=>`: how the daemon is confined.
    VirtiofsSandbox = "sandbox" { mode: String = "mode" }
}

flat_view! {
    /// A virtiofs `<binary><thread_pool size=>`: the daemon's thread pool.
    VirtiofsThreadPool = "thread_pool" { size: String = "size" }
}
