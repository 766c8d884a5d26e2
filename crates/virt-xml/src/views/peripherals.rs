//! Typed views of the remaining device parts libvirt's schema lists:
//! smartcards, USB redirection and hubs, leases, the pSeries NVRAM device,
//! graphics options (OpenGL, compression, streaming, SPICE channels),
//! character device logs and protocols, ROM BARs, boot entries, video and
//! filesystem drivers, interface extras (link state, backend, teaming,
//! port forwarding, filters). They read and write their attributes as
//! text: the values are kept as given, not checked (libvirt checks most of
//! them where it uses them, not on define).

use super::*;

/// An element that says something by being there (`<readonly/>`,
/// `<pmem/>`, a pSeries `<nvram>` device): nothing to read but its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Marker;

impl View for Marker {
    const TAG: &'static str = "marker";
    fn from_element(_: &Element) -> Result<Self, XmlError> {
        Ok(Marker)
    }
    fn write_to(&self, _: &mut Element) {}
}

flat_view! {
    /// A device's `<boot order= loadparm=>`: its place in the boot order.
    BootEntry = "boot" { order: String = "order", loadparm: String = "loadparm" }
}

flat_view! {
    /// `<log file= append=>` of a character device (or a backend):
    /// where its output is copied.
    CharLog = "log" { file: String = "file", append: String = "append" }
}

flat_view! {
    /// `<clipboard copypaste=...>` of a qemu-vdagent source or of graphics.
    Clipboard = "clipboard" { copypaste: String = "copypaste" }
}

flat_view! {
    /// `<mouse mode=...>` of a qemu-vdagent source or of graphics.
    Mouse = "mouse" { mode: String = "mode" }
}

flat_view! {
    /// A graphics' `<gl enable= rendernode=>`: OpenGL acceleration.
    GraphicsGl = "gl" { enable: String = "enable", rendernode: String = "rendernode" }
}

flat_view! {
    /// SPICE `<image compression=...>`.
    GraphicsImage = "image" { compression: String = "compression" }
}

flat_view! {
    /// SPICE `<jpeg compression=...>`.
    GraphicsJpeg = "jpeg" { compression: String = "compression" }
}

flat_view! {
    /// SPICE `<zlib compression=...>`.
    GraphicsZlib = "zlib" { compression: String = "compression" }
}

flat_view! {
    /// SPICE `<playback compression=...>`.
    GraphicsPlayback = "playback" { compression: String = "compression" }
}

flat_view! {
    /// SPICE `<streaming mode=...>`.
    GraphicsStreaming = "streaming" { mode: String = "mode" }
}

flat_view! {
    /// SPICE `<filetransfer enable=...>`.
    GraphicsFileTransfer = "filetransfer" { enable: String = "enable" }
}

flat_view! {
    /// SPICE `<channel name= mode=>`: one channel's security mode.
    GraphicsChannel = "channel" { name: String = "name", mode: String = "mode" }
}

flat_view! {
    /// `<audio id=...>` of graphics or a sound card: the audio backend used.
    AudioRef = "audio" { id: String = "id" }
}

flat_view! {
    /// `<smartcard mode= type=>`.
    Smartcard = "smartcard" { mode: String = "mode", smartcard_type: String = "type" }
}

flat_view! {
    /// A host-certificates smartcard's `<certificate>` or `<database>`
    /// (the element's text).
    SmartcardFile = "certificate" { value: String = "#text" }
}

flat_view! {
    /// `<redirdev bus= type=>`: a USB device redirected from a client.
    Redirdev = "redirdev" { bus: String = "bus", redirdev_type: String = "type" }
}

flat_view! {
    /// `<hub type=...>`: a USB hub.
    Hub = "hub" { hub_type: String = "type" }
}

flat_view! {
    /// A lease's `<target path= offset=>`.
    LeaseTarget = "target" { path: String = "path", offset: String = "offset" }
}

flat_view! {
    /// A lease's `<lockspace>` or `<key>` (the element's text).
    LeaseName = "key" { value: String = "#text" }
}

flat_view! {
    /// A ROM's `<rom bar= file= enabled=>` (host devices, interfaces).
    Rom = "rom" { bar: String = "bar", file: String = "file", enabled: String = "enabled" }
}

flat_view! {
    /// A video device's `<driver>`: its backend and virtio options.
    VideoDriver = "driver" {
        name: String = "name",
        vgaconf: String = "vgaconf",
        iommu: String = "iommu",
        ats: String = "ats",
        packed: String = "packed",
        page_per_vq: String = "page_per_vq",
    }
}

flat_view! {
    /// A video model's `<resolution x= y=>`.
    Resolution = "resolution" { x: String = "x", y: String = "y" }
}

flat_view! {
    /// A filesystem's `<driver>`: how it is exported and its virtio options.
    FilesystemDriver = "driver" {
        driver_type: String = "type",
        name: String = "name",
        format: String = "format",
        wrpolicy: String = "wrpolicy",
        queue: String = "queue",
        iommu: String = "iommu",
        ats: String = "ats",
        packed: String = "packed",
        page_per_vq: String = "page_per_vq",
    }
}

flat_view! {
    /// An interface's `<link state=up|down>`.
    LinkState = "link" { state: String = "state" }
}

flat_view! {
    /// An interface's `<guest dev= actual=>`: the device name in a container.
    InterfaceGuest = "guest" { dev: String = "dev", actual: String = "actual" }
}

flat_view! {
    /// An interface's `<backend>`: the tap and vhost devices and the
    /// passt log.
    InterfaceBackend = "backend" {
        backend_type: String = "type",
        tap: String = "tap",
        vhost: String = "vhost",
        log_file: String = "logFile",
    }
}

flat_view! {
    /// An interface's `<script path=...>` or `<downscript path=...>`.
    InterfaceScript = "downscript" { path: String = "path" }
}

flat_view! {
    /// An interface's `<port isolated=...>`.
    InterfacePort = "port" { isolated: String = "isolated" }
}

flat_view! {
    /// An interface's `<teaming type= persistent=>`: a failover pair.
    Teaming = "teaming" { teaming_type: String = "type", persistent: String = "persistent" }
}

flat_view! {
    /// An interface's `<filterref filter=...>`: the network filter applied.
    FilterRef = "filterref" { filter: String = "filter" }
}

flat_view! {
    /// A filter's `<parameter name= value=>`.
    FilterParameter = "parameter" { name: String = "name", value: String = "value" }
}

flat_view! {
    /// An interface's `<portForward proto= address= dev=>` (passt).
    PortForward = "portForward" {
        proto: String = "proto",
        address: String = "address",
        dev: String = "dev",
    }
}

flat_view! {
    /// A port forward's `<range start= end= to= exclude=>`.
    PortRange = "range" {
        start: String = "start",
        end: String = "end",
        to: String = "to",
        exclude: String = "exclude",
    }
}

flat_view! {
    /// A virtio-net `<driver><host>` or `<guest>`: the offloads.
    NetOffloads = "host" {
        csum: String = "csum",
        gso: String = "gso",
        tso4: String = "tso4",
        tso6: String = "tso6",
        ecn: String = "ecn",
        ufo: String = "ufo",
        mrg_rxbuf: String = "mrg_rxbuf",
    }
}

flat_view! {
    /// A TPM backend's `<source type= mode= path=>` (the emulator's socket).
    TpmBackendSource = "source" {
        source_type: String = "type",
        mode: String = "mode",
        path: String = "path",
    }
}

flat_view! {
    /// An interface's or host device's `<route>` (the guest side).
    GuestRoute = "route" {
        family: String = "family",
        address: String = "address",
        prefix: String = "prefix",
        gateway: String = "gateway",
        metric: String = "metric",
    }
}

flat_view! {
    /// An interface's or host device's `<ip>` (the guest side).
    GuestIp = "ip" {
        address: String = "address",
        family: String = "family",
        prefix: String = "prefix",
        peer: String = "peer",
    }
}
