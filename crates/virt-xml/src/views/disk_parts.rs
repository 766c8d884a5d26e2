//! Typed views of a disk's main parts: its `<driver>`, its `<source>`
//! with the servers, authentication and initiator a network source
//! names, the backing chain, the serial, `<transient>` and `<target>`.
//! Like the other views they read from the stored element and write back
//! into it in place.

use super::values::{attrs_view, first_in, set_first_in};
use super::*;

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
