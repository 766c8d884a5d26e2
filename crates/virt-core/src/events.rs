//! Events: what drivers publish and what subscribers receive.
//!
//! A driver owns an [`EventBus`] and [`publish`](EventBus::publish)es
//! [`Event`]s on it; it hands the bus out through
//! [`crate::Driver::event_buses`], and [`crate::Connect::subscribe`] (or
//! [`crate::Connect::subscribe_with`]) turns that into a [`Subscription`]:
//! an object that delivers, in publication order, [`Delivery`] values on a
//! channel or to a callback, and unsubscribes when dropped.
//!
//! A subscription never goes silent: when its source goes away it receives
//! [`Delivery::Ended`] with the reason (the connection was closed, the
//! daemon stopped answering keepalives, the daemon restarted), and when its
//! source came back after a break it receives [`Delivery::Gap`] ("events
//! may have been missed") before the next event.
//!
//! Publishing never blocks and never calls subscriber code: a publication
//! is a send on each matching subscriber's unbounded channel, made under
//! the bus's lock so every subscriber sees the same order. Callbacks run on
//! the subscription's own thread, so a callback may call back into the
//! driver (or drop its own subscription) without deadlocking the
//! publisher, which usually holds its own locks while it publishes.
//!
//! Numbers are libvirt's: [`domain_event_id`] for `VIR_DOMAIN_EVENT_ID_*`,
//! [`LifecycleEvent`] and [`lifecycle_detail`] for `VIR_DOMAIN_EVENT_*`,
//! [`NetworkLifecycleEvent`] for `VIR_NETWORK_EVENT_*`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use crate::types::{DomainRef, NetworkRef, TypedParam, Uuid};

/// libvirt's domain event ids (`VIR_DOMAIN_EVENT_ID_*`), the unit a remote
/// client registers for.
pub mod domain_event_id {
    /// A lifecycle change (`VIR_DOMAIN_EVENT_ID_LIFECYCLE`).
    pub const LIFECYCLE: u32 = 0;
    /// The guest rebooted.
    pub const REBOOT: u32 = 1;
    /// The guest changed its real-time clock.
    pub const RTC_CHANGE: u32 = 2;
    /// The watchdog fired.
    pub const WATCHDOG: u32 = 3;
    /// A disk I/O error.
    pub const IO_ERROR: u32 = 4;
    /// A graphics client connected, authenticated or left.
    pub const GRAPHICS: u32 = 5;
    /// A disk I/O error, with its reason.
    pub const IO_ERROR_REASON: u32 = 6;
    /// The connection to the hypervisor's control channel failed.
    pub const CONTROL_ERROR: u32 = 7;
    /// A block job ended or changed state (disk named by path).
    pub const BLOCK_JOB: u32 = 8;
    /// A removable disk's medium changed.
    pub const DISK_CHANGE: u32 = 9;
    /// A removable device's tray opened or closed.
    pub const TRAY_CHANGE: u32 = 10;
    /// The guest woke up from a power-management suspend.
    pub const PMWAKEUP: u32 = 11;
    /// The guest suspended itself to memory.
    pub const PMSUSPEND: u32 = 12;
    /// The balloon's size changed.
    pub const BALLOON_CHANGE: u32 = 13;
    /// The guest suspended itself to disk.
    pub const PMSUSPEND_DISK: u32 = 14;
    /// A device was removed.
    pub const DEVICE_REMOVED: u32 = 15;
    /// A block job ended or changed state (disk named by target).
    pub const BLOCK_JOB_2: u32 = 16;
    /// A tunable changed.
    pub const TUNABLE: u32 = 17;
    /// The guest agent connected or disconnected.
    pub const AGENT_LIFECYCLE: u32 = 18;
    /// A device was added.
    pub const DEVICE_ADDED: u32 = 19;
    /// A migration iteration finished.
    pub const MIGRATION_ITERATION: u32 = 20;
    /// A job completed, with its statistics.
    pub const JOB_COMPLETED: u32 = 21;
    /// A device's removal failed.
    pub const DEVICE_REMOVAL_FAILED: u32 = 22;
    /// The domain's metadata changed.
    pub const METADATA_CHANGE: u32 = 23;
    /// A disk crossed its write threshold.
    pub const BLOCK_THRESHOLD: u32 = 24;
    /// The hypervisor handled a guest memory failure.
    pub const MEMORY_FAILURE: u32 = 25;
    /// A memory device changed size.
    pub const MEMORY_DEVICE_SIZE_CHANGE: u32 = 26;
    /// One past the last id libvirt 9.0 knows.
    pub const LAST: u32 = 27;
}

/// libvirt's network event ids (`VIR_NETWORK_EVENT_ID_*`).
pub mod network_event_id {
    /// A network lifecycle change.
    pub const LIFECYCLE: u32 = 0;
    /// One past the last id libvirt 9.0 knows.
    pub const LAST: u32 = 1;
}

/// A domain lifecycle event type (`VIR_DOMAIN_EVENT_*`); the detail is
/// one of [`lifecycle_detail`]'s numbers for that type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum LifecycleEvent {
    /// A definition was added or changed.
    Defined = 0,
    /// A definition was removed.
    Undefined = 1,
    /// The domain started.
    Started = 2,
    /// The domain paused.
    Suspended = 3,
    /// The domain resumed.
    Resumed = 4,
    /// The domain stopped.
    Stopped = 5,
    /// The guest shut down (it may still be running).
    Shutdown = 6,
    /// The guest suspended itself.
    PmSuspended = 7,
    /// The guest crashed.
    Crashed = 8,
}

impl LifecycleEvent {
    /// The event type for libvirt's number, `None` when unknown.
    pub fn from_i32(n: i32) -> Option<Self> {
        use LifecycleEvent::*;
        Some(match n {
            0 => Defined,
            1 => Undefined,
            2 => Started,
            3 => Suspended,
            4 => Resumed,
            5 => Stopped,
            6 => Shutdown,
            7 => PmSuspended,
            8 => Crashed,
            _ => return None,
        })
    }
}

/// libvirt's lifecycle details (`VIR_DOMAIN_EVENT_<TYPE>_<DETAIL>`), one
/// module per [`LifecycleEvent`].
pub mod lifecycle_detail {
    /// Details of [`super::LifecycleEvent::Defined`].
    pub mod defined {
        /// A new definition.
        pub const ADDED: i32 = 0;
        /// A changed definition.
        pub const UPDATED: i32 = 1;
        /// The domain was renamed (the new name).
        pub const RENAMED: i32 = 2;
        /// Restored from a snapshot.
        pub const FROM_SNAPSHOT: i32 = 3;
    }
    /// Details of [`super::LifecycleEvent::Undefined`].
    pub mod undefined {
        /// The definition was deleted.
        pub const REMOVED: i32 = 0;
        /// The domain was renamed (the old name).
        pub const RENAMED: i32 = 1;
    }
    /// Details of [`super::LifecycleEvent::Started`].
    pub mod started {
        /// Normal boot.
        pub const BOOTED: i32 = 0;
        /// Incoming migration.
        pub const MIGRATED: i32 = 1;
        /// Restored from a state file.
        pub const RESTORED: i32 = 2;
        /// Restored from a snapshot.
        pub const FROM_SNAPSHOT: i32 = 3;
        /// Started by a wakeup event.
        pub const WAKEUP: i32 = 4;
    }
    /// Details of [`super::LifecycleEvent::Suspended`].
    pub mod suspended {
        /// Paused by the administrator.
        pub const PAUSED: i32 = 0;
        /// Paused for an offline migration.
        pub const MIGRATED: i32 = 1;
        /// Paused on a disk I/O error.
        pub const IOERROR: i32 = 2;
        /// Paused by the watchdog.
        pub const WATCHDOG: i32 = 3;
        /// Restored from a paused state file.
        pub const RESTORED: i32 = 4;
        /// Restored from a paused snapshot.
        pub const FROM_SNAPSHOT: i32 = 5;
        /// Paused after a failed API call.
        pub const API_ERROR: i32 = 6;
        /// Paused for post-copy migration.
        pub const POSTCOPY: i32 = 7;
        /// Paused after a failed post-copy migration.
        pub const POSTCOPY_FAILED: i32 = 8;
    }
    /// Details of [`super::LifecycleEvent::Resumed`].
    pub mod resumed {
        /// Unpaused by the administrator.
        pub const UNPAUSED: i32 = 0;
        /// Resumed at the end of a migration.
        pub const MIGRATED: i32 = 1;
        /// Resumed from a snapshot.
        pub const FROM_SNAPSHOT: i32 = 2;
        /// Resumed, with post-copy migration running.
        pub const POSTCOPY: i32 = 3;
        /// Resumed after a failed post-copy migration.
        pub const POSTCOPY_FAILED: i32 = 4;
    }
    /// Details of [`super::LifecycleEvent::Stopped`].
    pub mod stopped {
        /// The guest shut down.
        pub const SHUTDOWN: i32 = 0;
        /// Destroyed by the administrator.
        pub const DESTROYED: i32 = 1;
        /// The guest crashed.
        pub const CRASHED: i32 = 2;
        /// Migrated away.
        pub const MIGRATED: i32 = 3;
        /// Saved to a state file.
        pub const SAVED: i32 = 4;
        /// The hypervisor failed.
        pub const FAILED: i32 = 5;
        /// Stopped by loading a snapshot.
        pub const FROM_SNAPSHOT: i32 = 6;
    }
    /// Details of [`super::LifecycleEvent::Shutdown`].
    pub mod shutdown {
        /// The guest finished shutting down.
        pub const FINISHED: i32 = 0;
        /// The guest started shutting down.
        pub const GUEST: i32 = 1;
        /// The host asked the guest to shut down.
        pub const HOST: i32 = 2;
    }
    /// Details of [`super::LifecycleEvent::PmSuspended`].
    pub mod pmsuspended {
        /// Suspended to memory.
        pub const MEMORY: i32 = 0;
        /// Suspended to disk.
        pub const DISK: i32 = 1;
    }
    /// Details of [`super::LifecycleEvent::Crashed`].
    pub mod crashed {
        /// The guest panicked.
        pub const PANICKED: i32 = 0;
        /// The guest loaded a crash kernel.
        pub const CRASHLOADED: i32 = 1;
    }
}

/// One end of a graphics connection (`virDomainEventGraphicsAddress`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphicsAddress {
    /// Address family: 0 IPv4, 1 IPv6, 2 unix.
    pub family: i32,
    /// The address (or socket path).
    pub node: String,
    /// The port (empty for unix).
    pub service: String,
}

/// What happened to a domain: one variant per libvirt domain event id.
#[derive(Debug, Clone, PartialEq)]
pub enum DomainEventKind {
    /// `LIFECYCLE`: a state change, with its detail ([`lifecycle_detail`]).
    Lifecycle {
        /// The event type.
        event: LifecycleEvent,
        /// The detail number for that type.
        detail: i32,
    },
    /// `REBOOT`.
    Reboot,
    /// `RTC_CHANGE`: the guest's clock offset from the host's, seconds.
    RtcChange {
        /// The new offset.
        offset: i64,
    },
    /// `WATCHDOG`: the action taken (`VIR_DOMAIN_EVENT_WATCHDOG_*`).
    Watchdog {
        /// The action.
        action: i32,
    },
    /// `IO_ERROR` (no reason) or `IO_ERROR_REASON` (with one); libvirt's
    /// drivers publish both for one error.
    IoError {
        /// The disk's source path.
        src_path: String,
        /// The disk's alias.
        dev_alias: String,
        /// The action taken (`VIR_DOMAIN_EVENT_IO_ERROR_*`).
        action: i32,
        /// The reason ("enospc", ...): `Some` makes this `IO_ERROR_REASON`.
        reason: Option<String>,
    },
    /// `GRAPHICS`: a graphics client's phase
    /// (`VIR_DOMAIN_EVENT_GRAPHICS_CONNECT/INITIALIZE/DISCONNECT`).
    Graphics {
        /// The phase.
        phase: i32,
        /// The server's end.
        local: GraphicsAddress,
        /// The client's end.
        remote: GraphicsAddress,
        /// The authentication scheme ("vnc", "none", ...).
        auth_scheme: String,
        /// Who authenticated: (type, name) pairs.
        subject: Vec<(String, String)>,
    },
    /// `CONTROL_ERROR`.
    ControlError,
    /// `BLOCK_JOB` (disk by path) or `BLOCK_JOB_2` (disk by target).
    BlockJob {
        /// The disk: its path, or its target when `by_target`.
        disk: String,
        /// The job type (`VIR_DOMAIN_BLOCK_JOB_TYPE_*`).
        job_type: i32,
        /// The status (`VIR_DOMAIN_BLOCK_JOB_COMPLETED/FAILED/CANCELED/READY`).
        status: i32,
        /// True for `BLOCK_JOB_2`.
        by_target: bool,
    },
    /// `DISK_CHANGE`: a medium changed.
    DiskChange {
        /// The old source.
        old_src: Option<String>,
        /// The new source.
        new_src: Option<String>,
        /// The device's alias.
        dev_alias: String,
        /// The reason (`VIR_DOMAIN_EVENT_DISK_*`).
        reason: i32,
    },
    /// `TRAY_CHANGE`.
    TrayChange {
        /// The device's alias.
        dev_alias: String,
        /// 0 opened, 1 closed.
        reason: i32,
    },
    /// `PMWAKEUP`.
    PmWakeup {
        /// Always 0 today.
        reason: i32,
    },
    /// `PMSUSPEND`.
    PmSuspend {
        /// Always 0 today.
        reason: i32,
    },
    /// `BALLOON_CHANGE`: the new balloon size, KiB.
    BalloonChange {
        /// The guest's current memory, KiB.
        actual: u64,
    },
    /// `PMSUSPEND_DISK`.
    PmSuspendDisk {
        /// Always 0 today.
        reason: i32,
    },
    /// `DEVICE_REMOVED`.
    DeviceRemoved {
        /// The device's alias.
        dev_alias: String,
    },
    /// `TUNABLE`: the changed tunables.
    Tunable {
        /// Parameter names as libvirt's (`cputune.vcpu0`, ...).
        params: Vec<TypedParam>,
    },
    /// `AGENT_LIFECYCLE`.
    AgentLifecycle {
        /// 1 connected, 2 disconnected.
        state: i32,
        /// 0 unknown, 1 domain started, 2 channel event.
        reason: i32,
    },
    /// `DEVICE_ADDED`.
    DeviceAdded {
        /// The device's alias.
        dev_alias: String,
    },
    /// `MIGRATION_ITERATION`.
    MigrationIteration {
        /// The iteration number.
        iteration: i32,
    },
    /// `JOB_COMPLETED`: the job's statistics.
    JobCompleted {
        /// As `virDomainGetJobStats` names them.
        params: Vec<TypedParam>,
    },
    /// `DEVICE_REMOVAL_FAILED`.
    DeviceRemovalFailed {
        /// The device's alias.
        dev_alias: String,
    },
    /// `METADATA_CHANGE`.
    MetadataChange {
        /// `VIR_DOMAIN_METADATA_DESCRIPTION/TITLE/ELEMENT`.
        kind: i32,
        /// The namespace for an element.
        nsuri: Option<String>,
    },
    /// `BLOCK_THRESHOLD`.
    BlockThreshold {
        /// The disk's target.
        dev: String,
        /// Its source path.
        path: Option<String>,
        /// The threshold, bytes.
        threshold: u64,
        /// By how much it was crossed, bytes.
        excess: u64,
    },
    /// `MEMORY_FAILURE`.
    MemoryFailure {
        /// Hypervisor or guest (`VIR_DOMAIN_EVENT_MEMORY_FAILURE_RECIPIENT_*`).
        recipient: i32,
        /// The action (`VIR_DOMAIN_EVENT_MEMORY_FAILURE_ACTION_*`).
        action: i32,
        /// `VIR_DOMAIN_MEMORY_FAILURE_*` flags.
        flags: u32,
    },
    /// `MEMORY_DEVICE_SIZE_CHANGE`.
    MemoryDeviceSizeChange {
        /// The device's alias.
        alias: String,
        /// Its new size, KiB.
        size: u64,
    },
}

impl DomainEventKind {
    /// A lifecycle event.
    pub fn lifecycle(event: LifecycleEvent, detail: i32) -> Self {
        DomainEventKind::Lifecycle { event, detail }
    }

    /// libvirt's event id (`VIR_DOMAIN_EVENT_ID_*`) for this event.
    pub fn id(&self) -> u32 {
        use domain_event_id as id;
        use DomainEventKind::*;
        match self {
            Lifecycle { .. } => id::LIFECYCLE,
            Reboot => id::REBOOT,
            RtcChange { .. } => id::RTC_CHANGE,
            Watchdog { .. } => id::WATCHDOG,
            IoError { reason: None, .. } => id::IO_ERROR,
            IoError {
                reason: Some(_), ..
            } => id::IO_ERROR_REASON,
            Graphics { .. } => id::GRAPHICS,
            ControlError => id::CONTROL_ERROR,
            BlockJob {
                by_target: false, ..
            } => id::BLOCK_JOB,
            BlockJob {
                by_target: true, ..
            } => id::BLOCK_JOB_2,
            DiskChange { .. } => id::DISK_CHANGE,
            TrayChange { .. } => id::TRAY_CHANGE,
            PmWakeup { .. } => id::PMWAKEUP,
            PmSuspend { .. } => id::PMSUSPEND,
            BalloonChange { .. } => id::BALLOON_CHANGE,
            PmSuspendDisk { .. } => id::PMSUSPEND_DISK,
            DeviceRemoved { .. } => id::DEVICE_REMOVED,
            Tunable { .. } => id::TUNABLE,
            AgentLifecycle { .. } => id::AGENT_LIFECYCLE,
            DeviceAdded { .. } => id::DEVICE_ADDED,
            MigrationIteration { .. } => id::MIGRATION_ITERATION,
            JobCompleted { .. } => id::JOB_COMPLETED,
            DeviceRemovalFailed { .. } => id::DEVICE_REMOVAL_FAILED,
            MetadataChange { .. } => id::METADATA_CHANGE,
            BlockThreshold { .. } => id::BLOCK_THRESHOLD,
            MemoryFailure { .. } => id::MEMORY_FAILURE,
            MemoryDeviceSizeChange { .. } => id::MEMORY_DEVICE_SIZE_CHANGE,
        }
    }
}

/// A network lifecycle event type (`VIR_NETWORK_EVENT_*`; the detail is
/// always 0 in libvirt 9.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum NetworkLifecycleEvent {
    /// A definition was added.
    Defined = 0,
    /// A definition was removed.
    Undefined = 1,
    /// The network started.
    Started = 2,
    /// The network stopped.
    Stopped = 3,
}

impl NetworkLifecycleEvent {
    /// The event type for libvirt's number, `None` when unknown.
    pub fn from_i32(n: i32) -> Option<Self> {
        use NetworkLifecycleEvent::*;
        Some(match n {
            0 => Defined,
            1 => Undefined,
            2 => Started,
            3 => Stopped,
            _ => return None,
        })
    }
}

/// What happened to a network.
#[derive(Debug, Clone, PartialEq)]
pub enum NetworkEventKind {
    /// `VIR_NETWORK_EVENT_ID_LIFECYCLE`.
    Lifecycle {
        /// The event type.
        event: NetworkLifecycleEvent,
        /// The detail (0).
        detail: i32,
    },
}

impl NetworkEventKind {
    /// libvirt's event id (`VIR_NETWORK_EVENT_ID_*`).
    pub fn id(&self) -> u32 {
        match self {
            NetworkEventKind::Lifecycle { .. } => network_event_id::LIFECYCLE,
        }
    }
}

/// One event, about the object it concerns.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// About a domain.
    Domain {
        /// The domain, as it was when the event happened.
        dom: DomainRef,
        /// What happened.
        kind: DomainEventKind,
    },
    /// About a network.
    Network {
        /// The network.
        net: NetworkRef,
        /// What happened.
        kind: NetworkEventKind,
    },
}

impl Event {
    /// A domain lifecycle event.
    pub fn lifecycle(dom: DomainRef, event: LifecycleEvent, detail: i32) -> Self {
        Event::Domain {
            dom,
            kind: DomainEventKind::lifecycle(event, detail),
        }
    }

    /// A network lifecycle event (detail 0).
    pub fn network_lifecycle(net: NetworkRef, event: NetworkLifecycleEvent) -> Self {
        Event::Network {
            net,
            kind: NetworkEventKind::Lifecycle { event, detail: 0 },
        }
    }

    /// The topic a subscriber filters on.
    pub fn topic(&self) -> Topic {
        match self {
            Event::Domain { kind, .. } => Topic::Domain(kind.id()),
            Event::Network { kind, .. } => Topic::Network(kind.id()),
        }
    }

    fn object_uuid(&self) -> &Uuid {
        match self {
            Event::Domain { dom, .. } => &dom.uuid,
            Event::Network { net, .. } => &net.uuid,
        }
    }
}

/// A kind of event a subscriber can ask for: a domain or network event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// A `VIR_DOMAIN_EVENT_ID_*`.
    Domain(u32),
    /// A `VIR_NETWORK_EVENT_ID_*`.
    Network(u32),
    /// A `VIR_STORAGE_POOL_EVENT_ID_*` (no driver publishes these yet;
    /// clients may register for them).
    StoragePool(u32),
    /// A `VIR_NODE_DEVICE_EVENT_ID_*` (the same).
    NodeDevice(u32),
    /// A `VIR_SECRET_EVENT_ID_*` (the same).
    Secret(u32),
}

/// Which events a subscription receives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// The topics; `None` is every topic.
    pub topics: Option<Vec<Topic>>,
    /// Only events about this domain or network (by UUID); `None` is all.
    pub object: Option<Uuid>,
}

impl EventFilter {
    /// Every event.
    pub fn all() -> Self {
        EventFilter::default()
    }

    /// Every event about domains.
    pub fn all_domain() -> Self {
        Self::topics((0..domain_event_id::LAST).map(Topic::Domain).collect())
    }

    /// One domain event id (`VIR_DOMAIN_EVENT_ID_*`).
    pub fn domain(id: u32) -> Self {
        Self::topics(vec![Topic::Domain(id)])
    }

    /// One network event id (`VIR_NETWORK_EVENT_ID_*`).
    pub fn network(id: u32) -> Self {
        Self::topics(vec![Topic::Network(id)])
    }

    /// These topics.
    pub fn topics(topics: Vec<Topic>) -> Self {
        EventFilter {
            topics: Some(topics),
            object: None,
        }
    }

    /// The same, only about the object with this UUID.
    pub fn about(mut self, uuid: Uuid) -> Self {
        self.object = Some(uuid);
        self
    }

    /// True when `event` passes.
    pub fn matches(&self, event: &Event) -> bool {
        if let Some(u) = &self.object {
            if event.object_uuid() != u {
                return false;
            }
        }
        match &self.topics {
            None => true,
            Some(t) => t.contains(&event.topic()),
        }
    }
}

/// Why a subscription ended. The numbers of the first four are libvirt's
/// `VIR_CONNECT_CLOSE_REASON_*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// The connection failed (`ERROR`), with what went wrong.
    Error(String),
    /// The peer closed the connection (`EOF`).
    Eof,
    /// The peer stopped answering keepalives (`KEEPALIVE`).
    KeepaliveTimeout,
    /// The connection was closed on this side (`CLIENT`).
    Closed,
    /// The daemon restarted and the subscription could not be renewed.
    DaemonRestarted,
}

impl EndReason {
    /// libvirt's `VIR_CONNECT_CLOSE_REASON_*` for this reason.
    pub fn close_reason(&self) -> i32 {
        match self {
            EndReason::Error(_) | EndReason::DaemonRestarted => 0,
            EndReason::Eof => 1,
            EndReason::KeepaliveTimeout => 2,
            EndReason::Closed => 3,
        }
    }
}

impl std::fmt::Display for EndReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EndReason::Error(m) => write!(f, "connection failed: {m}"),
            EndReason::Eof => f.write_str("connection closed by the peer"),
            EndReason::KeepaliveTimeout => {
                f.write_str("connection closed due to keepalive timeout")
            }
            EndReason::Closed => f.write_str("connection closed"),
            EndReason::DaemonRestarted => {
                f.write_str("the daemon restarted and the subscription could not be renewed")
            }
        }
    }
}

/// Why events may have been missed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GapReason {
    /// The connection to the daemon broke and was made again (the daemon
    /// may have restarted); the subscription was renewed.
    Reconnected,
}

/// What a subscription receives.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// An event.
    Event(Event),
    /// Events may have been missed before the next one.
    Gap(GapReason),
    /// Nothing more will come; the last delivery.
    Ended(EndReason),
}

type Watcher = Arc<dyn Fn() + Send + Sync>;

struct Subscriber {
    id: u64,
    filter: EventFilter,
    tx: Sender<Delivery>,
}

#[derive(Default)]
struct BusInner {
    subscribers: Mutex<Vec<Subscriber>>,
    next_id: AtomicU64,
    watcher: Mutex<Option<Watcher>>,
}

/// Where a driver publishes its events (cheap to clone; clones are the
/// same bus). Subscribers come through [`crate::Connect::subscribe`].
#[derive(Clone, Default)]
pub struct EventBus {
    inner: Arc<BusInner>,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("subscribers", &self.lock().len())
            .finish()
    }
}

impl EventBus {
    /// A bus without subscribers.
    pub fn new() -> Self {
        Self::default()
    }

    /// The process-wide bus for `place`, a driver's state directory: every
    /// connection a driver opens over the same directory publishes and
    /// subscribes on this one bus, as a daemon's clients share its driver.
    pub fn shared(place: &std::path::Path) -> EventBus {
        use std::collections::HashMap;
        use std::sync::OnceLock;
        static BUSES: OnceLock<Mutex<HashMap<std::path::PathBuf, EventBus>>> = OnceLock::new();
        BUSES
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(place.to_path_buf())
            .or_default()
            .clone()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Subscriber>> {
        // A subscriber list stays consistent even if a holder panicked.
        self.inner
            .subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Hand `event` to every subscriber whose filter it passes, in the
    /// order of publication. Never blocks on a subscriber.
    pub fn publish(&self, event: Event) {
        self.publish_with(|| event);
    }

    /// [`EventBus::publish`] of the event `make` builds, built only when
    /// someone subscribes: a driver announcing every define and undefine
    /// then copies no names while nobody listens.
    pub fn publish_with(&self, make: impl FnOnce() -> Event) {
        let mut gone = false;
        {
            let mut subs = self.lock();
            if subs.is_empty() {
                return;
            }
            let event = make();
            subs.retain(|s| {
                if !s.filter.matches(&event) {
                    return true;
                }
                let alive = s.tx.send(Delivery::Event(event.clone())).is_ok();
                gone |= !alive;
                alive
            });
        }
        if gone {
            self.notify_watcher();
        }
    }

    /// True when some subscriber wants events of `topic` (so a driver can
    /// skip building events nobody reads).
    pub fn wants(&self, topic: Topic) -> bool {
        self.lock().iter().any(|s| match &s.filter.topics {
            None => true,
            Some(t) => t.contains(&topic),
        })
    }

    /// The topics some subscriber wants (every topic of libvirt 9.0 for a
    /// subscriber that wants all), sorted: what a remote client registers
    /// for on its daemon.
    pub fn demand(&self) -> Vec<Topic> {
        let mut out: Vec<Topic> = Vec::new();
        for s in self.lock().iter() {
            match &s.filter.topics {
                None => {
                    out.extend((0..domain_event_id::LAST).map(Topic::Domain));
                    out.extend((0..network_event_id::LAST).map(Topic::Network));
                }
                Some(t) => out.extend(t.iter().copied()),
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Tell every subscriber that events may have been missed.
    pub fn gap(&self, reason: GapReason) {
        for s in self.lock().iter() {
            let _ = s.tx.send(Delivery::Gap(reason.clone()));
        }
    }

    /// End every subscription with `reason`; the bus stays usable for new
    /// subscribers.
    pub fn end_all(&self, reason: EndReason) {
        let subs = std::mem::take(&mut *self.lock());
        for s in &subs {
            let _ = s.tx.send(Delivery::Ended(reason.clone()));
        }
        if !subs.is_empty() {
            self.notify_watcher();
        }
    }

    /// Call `watcher` (outside the bus's lock) whenever the set of
    /// subscribers changes, so a source that must ask for events itself (a
    /// remote client registering on its daemon) can follow
    /// [`demand`](Self::demand). Replaces any earlier watcher.
    pub fn set_watcher(&self, watcher: impl Fn() + Send + Sync + 'static) {
        *self.inner.watcher.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(watcher));
    }

    fn notify_watcher(&self) {
        let w = self
            .inner
            .watcher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(w) = w {
            w();
        }
    }

    fn add(&self, filter: EventFilter, tx: Sender<Delivery>) -> u64 {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().push(Subscriber { id, filter, tx });
        self.notify_watcher();
        id
    }

    fn remove(&self, id: u64) {
        let removed = {
            let mut subs = self.lock();
            let before = subs.len();
            subs.retain(|s| s.id != id);
            subs.len() != before
        };
        if removed {
            self.notify_watcher();
        }
    }

    /// The number of subscribers.
    pub fn subscriber_count(&self) -> usize {
        self.lock().len()
    }
}

/// What a subscription and the connection that made it share.
pub(crate) struct SubscriptionCore {
    registrations: Mutex<Vec<(EventBus, u64)>>,
    tx: Mutex<Option<Sender<Delivery>>>,
    /// `Ended` was sent (by the connection) or received (from a bus).
    ended: AtomicBool,
    /// The subscriber has read `Ended`: nothing more to read.
    finished: AtomicBool,
}

impl SubscriptionCore {
    /// Leave every bus without telling the subscriber.
    fn leave(&self) {
        let regs =
            std::mem::take(&mut *self.registrations.lock().unwrap_or_else(|e| e.into_inner()));
        for (bus, id) in regs {
            bus.remove(id);
        }
    }

    /// The subscriber received `Ended`: leave the other buses and let the
    /// channel close.
    fn finished(&self) {
        self.ended.store(true, Ordering::SeqCst);
        self.finished.store(true, Ordering::SeqCst);
        self.leave();
        self.tx.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// Leave every bus and deliver `Ended(reason)` (once).
    pub(crate) fn end(&self, reason: EndReason) {
        self.leave();
        if !self.ended.swap(true, Ordering::SeqCst) {
            if let Some(tx) = self.tx.lock().unwrap_or_else(|e| e.into_inner()).take() {
                let _ = tx.send(Delivery::Ended(reason));
            }
        }
    }
}

/// A live subscription: deliveries arrive in order, through
/// [`recv`](Self::recv) and friends, or to the callback it was made with.
/// Dropping it unsubscribes.
pub struct Subscription {
    core: Arc<SubscriptionCore>,
    rx: Option<Mutex<Receiver<Delivery>>>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("ended", &self.core.ended.load(Ordering::SeqCst))
            .finish()
    }
}

impl Subscription {
    /// Subscribe to `buses` directly (a daemon serving a driver it holds
    /// without a [`crate::Connect`]), read through the channel.
    pub fn channel(buses: &[EventBus], filter: &EventFilter) -> Subscription {
        let (sub, rx, _) = Self::open(buses, filter);
        sub.with_channel(rx)
    }

    /// Subscribe to `buses` directly with deliveries going to `callback`
    /// on the subscription's own thread.
    pub fn callback(
        buses: &[EventBus],
        filter: &EventFilter,
        callback: impl FnMut(Delivery) + Send + 'static,
    ) -> std::io::Result<Subscription> {
        let (sub, rx, _) = Self::open(buses, filter);
        sub.with_callback(rx, callback)
    }

    /// Subscribe to `buses` with `filter`. The caller (a connection) keeps
    /// the returned core's weak reference to end it when it closes.
    pub(crate) fn open(
        buses: &[EventBus],
        filter: &EventFilter,
    ) -> (Subscription, Receiver<Delivery>, Weak<SubscriptionCore>) {
        let (tx, rx) = mpsc::channel();
        let regs = buses
            .iter()
            .map(|b| (b.clone(), b.add(filter.clone(), tx.clone())))
            .collect();
        let core = Arc::new(SubscriptionCore {
            registrations: Mutex::new(regs),
            tx: Mutex::new(Some(tx)),
            ended: AtomicBool::new(false),
            finished: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&core);
        (Subscription { core, rx: None }, rx, weak)
    }

    /// A subscription read through its channel.
    pub(crate) fn with_channel(mut self, rx: Receiver<Delivery>) -> Self {
        self.rx = Some(Mutex::new(rx));
        self
    }

    /// A subscription whose deliveries go to `callback`, on a thread of
    /// its own, until `Ended` (given to the callback too) or the drop.
    pub(crate) fn with_callback(
        self,
        rx: Receiver<Delivery>,
        mut callback: impl FnMut(Delivery) + Send + 'static,
    ) -> std::io::Result<Self> {
        let core = Arc::downgrade(&self.core);
        std::thread::Builder::new()
            .name("virt-events".into())
            .spawn(move || {
                for d in rx {
                    let last = matches!(d, Delivery::Ended(_));
                    if last {
                        if let Some(core) = core.upgrade() {
                            core.finished();
                        }
                    }
                    callback(d);
                    if last {
                        break;
                    }
                }
            })?;
        Ok(self)
    }

    fn take(&self, d: Delivery) -> Delivery {
        if let Delivery::Ended(_) = &d {
            self.core.finished();
        }
        d
    }

    fn receiver(&self) -> Option<MutexGuard<'_, Receiver<Delivery>>> {
        if self.core.finished.load(Ordering::SeqCst) {
            return None;
        }
        self.rx
            .as_ref()
            .map(|r| r.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The next delivery, waiting for it; `None` once `Ended` has been
    /// received (or for a callback subscription).
    pub fn recv(&self) -> Option<Delivery> {
        let rx = self.receiver()?;
        rx.recv().ok().map(|d| self.take(d))
    }

    /// The next delivery within `timeout`; `None` on timeout or after
    /// `Ended`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Delivery> {
        let rx = self.receiver()?;
        match rx.recv_timeout(timeout) {
            Ok(d) => Some(self.take(d)),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// The next delivery if one is waiting.
    pub fn try_recv(&self) -> Option<Delivery> {
        let rx = self.receiver()?;
        match rx.try_recv() {
            Ok(d) => Some(self.take(d)),
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => None,
        }
    }

    /// True once the subscription ended (its `Ended` was sent).
    pub fn is_ended(&self) -> bool {
        self.core.ended.load(Ordering::SeqCst)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.core.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dom(name: &str) -> DomainRef {
        DomainRef {
            name: name.into(),
            uuid: Uuid::from_u128(name.len() as u128),
            id: Some(1),
        }
    }

    fn started(name: &str) -> Event {
        Event::lifecycle(
            dom(name),
            LifecycleEvent::Started,
            lifecycle_detail::started::BOOTED,
        )
    }

    #[test]
    fn deliveries_arrive_in_order_and_filtered() {
        let bus = EventBus::new();
        let (sub, rx, _) = Subscription::open(
            std::slice::from_ref(&bus),
            &EventFilter::domain(domain_event_id::LIFECYCLE),
        );
        let sub = sub.with_channel(rx);
        bus.publish(Event::Domain {
            dom: dom("a"),
            kind: DomainEventKind::Reboot,
        });
        for n in ["a", "bb", "ccc"] {
            bus.publish(started(n));
        }
        for n in ["a", "bb", "ccc"] {
            assert_eq!(sub.try_recv(), Some(Delivery::Event(started(n))));
        }
        assert_eq!(sub.try_recv(), None);
    }

    #[test]
    fn object_filter_and_drop_unsubscribes() {
        let bus = EventBus::new();
        let (sub, rx, _) = Subscription::open(
            std::slice::from_ref(&bus),
            &EventFilter::all().about(dom("bb").uuid),
        );
        let sub = sub.with_channel(rx);
        bus.publish(started("a"));
        bus.publish(started("bb"));
        assert_eq!(sub.try_recv(), Some(Delivery::Event(started("bb"))));
        assert_eq!(sub.try_recv(), None);
        assert_eq!(bus.subscriber_count(), 1);
        drop(sub);
        assert_eq!(bus.subscriber_count(), 0);
    }

    #[test]
    fn ending_tells_why_once_and_then_stops() {
        let bus = EventBus::new();
        let (sub, rx, _) = Subscription::open(std::slice::from_ref(&bus), &EventFilter::all());
        let sub = sub.with_channel(rx);
        bus.publish(started("a"));
        bus.gap(GapReason::Reconnected);
        bus.end_all(EndReason::KeepaliveTimeout);
        bus.publish(started("bb"));
        assert_eq!(sub.recv(), Some(Delivery::Event(started("a"))));
        assert_eq!(sub.recv(), Some(Delivery::Gap(GapReason::Reconnected)));
        assert_eq!(
            sub.recv(),
            Some(Delivery::Ended(EndReason::KeepaliveTimeout))
        );
        assert!(sub.is_ended());
        assert_eq!(sub.recv_timeout(Duration::from_millis(10)), None);
    }

    #[test]
    fn callbacks_run_in_order_on_their_own_thread() {
        let bus = EventBus::new();
        let (sub, rx, _) = Subscription::open(std::slice::from_ref(&bus), &EventFilter::all());
        let (tx, got) = mpsc::channel();
        let me = std::thread::current().id();
        let _sub = sub
            .with_callback(rx, move |d| {
                assert_ne!(std::thread::current().id(), me);
                tx.send(d).unwrap();
            })
            .unwrap();
        for n in ["a", "bb"] {
            bus.publish(started(n));
        }
        bus.end_all(EndReason::Eof);
        let all: Vec<Delivery> = got.iter().collect();
        assert_eq!(
            all,
            vec![
                Delivery::Event(started("a")),
                Delivery::Event(started("bb")),
                Delivery::Ended(EndReason::Eof)
            ]
        );
    }

    #[test]
    fn demand_follows_subscribers_and_watcher_hears_changes() {
        let bus = EventBus::new();
        let changes = Arc::new(AtomicU64::new(0));
        let c = changes.clone();
        bus.set_watcher(move || {
            c.fetch_add(1, Ordering::SeqCst);
        });
        assert!(bus.demand().is_empty());
        let (a, _rxa, _) = Subscription::open(std::slice::from_ref(&bus), &EventFilter::network(0));
        let (b, _rxb, _) = Subscription::open(std::slice::from_ref(&bus), &EventFilter::domain(5));
        assert_eq!(bus.demand(), vec![Topic::Domain(5), Topic::Network(0)]);
        assert!(bus.wants(Topic::Network(0)) && !bus.wants(Topic::Domain(0)));
        drop(a);
        assert_eq!(bus.demand(), vec![Topic::Domain(5)]);
        drop(b);
        assert!(bus.demand().is_empty());
        assert_eq!(changes.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn ids_are_libvirts() {
        let io = |reason: Option<&str>| DomainEventKind::IoError {
            src_path: "/p".into(),
            dev_alias: "virtio-disk0".into(),
            action: 0,
            reason: reason.map(str::to_string),
        };
        assert_eq!(io(None).id(), 4);
        assert_eq!(io(Some("enospc")).id(), 6);
        assert_eq!(DomainEventKind::BalloonChange { actual: 1 }.id(), 13);
        assert_eq!(DomainEventKind::JobCompleted { params: vec![] }.id(), 21);
        assert_eq!(LifecycleEvent::from_i32(8), Some(LifecycleEvent::Crashed));
        assert_eq!(LifecycleEvent::from_i32(9), None);
        assert_eq!(
            NetworkLifecycleEvent::from_i32(3),
            Some(NetworkLifecycleEvent::Stopped)
        );
    }
}
