//! Events on the wire: the registration procedures and the MESSAGE
//! packets that carry [`virt_core::Event`]s from the daemon to the
//! clients that registered for them.
//!
//! A client registers one callback per event id
//! (`CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY`, optionally for one
//! domain; `CONNECT_NETWORK_EVENT_REGISTER_ANY`) and gets a callback id
//! back; each event then comes as a MESSAGE (serial 0) whose body starts
//! with that id. [`encode`] and [`decode`] translate between the two,
//! with libvirt's procedure numbers and XDR layouts.

use virt_core::events::{
    domain_event_id as id, DomainEventKind, Event, GraphicsAddress, LifecycleEvent,
    NetworkEventKind, NetworkLifecycleEvent,
};
use virt_core::{DomainRef, NetworkRef, TypedParam};

use crate::error::RemoteError;
use crate::packet::{decode_packet, Header, MessageType};
use crate::xdr::{Decoder, Encoder, ListItem};

/// Procedure numbers (`REMOTE_PROC_*`).
pub mod proc_ {
    /// `CONNECT_DOMAIN_EVENT_REGISTER`: the oldest form, lifecycle only.
    pub const CONNECT_DOMAIN_EVENT_REGISTER: i32 = 105;
    /// `CONNECT_DOMAIN_EVENT_DEREGISTER`.
    pub const CONNECT_DOMAIN_EVENT_DEREGISTER: i32 = 106;
    /// `DOMAIN_EVENT_LIFECYCLE`, the message of the oldest forms.
    pub const DOMAIN_EVENT_LIFECYCLE: i32 = 107;
    /// `CONNECT_DOMAIN_EVENT_REGISTER_ANY`: by event id, no callback id.
    pub const CONNECT_DOMAIN_EVENT_REGISTER_ANY: i32 = 167;
    /// `CONNECT_DOMAIN_EVENT_DEREGISTER_ANY`.
    pub const CONNECT_DOMAIN_EVENT_DEREGISTER_ANY: i32 = 168;
    /// `CONNECT_NETWORK_EVENT_REGISTER_ANY`.
    pub const CONNECT_NETWORK_EVENT_REGISTER_ANY: i32 = 313;
    /// `CONNECT_NETWORK_EVENT_DEREGISTER_ANY`.
    pub const CONNECT_NETWORK_EVENT_DEREGISTER_ANY: i32 = 314;
    /// `NETWORK_EVENT_LIFECYCLE`.
    pub const NETWORK_EVENT_LIFECYCLE: i32 = 315;
    /// `CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY`.
    pub const CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY: i32 = 368;
    /// `CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY`.
    pub const CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY: i32 = 369;
    /// `CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY`.
    pub const CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY: i32 = 374;
    /// `CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY`.
    pub const CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY: i32 = 375;
    /// `CONNECT_SECRET_EVENT_REGISTER_ANY`.
    pub const CONNECT_SECRET_EVENT_REGISTER_ANY: i32 = 380;
    /// `CONNECT_SECRET_EVENT_DEREGISTER_ANY`.
    pub const CONNECT_SECRET_EVENT_DEREGISTER_ANY: i32 = 381;
    /// `CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY`.
    pub const CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: i32 = 316;
    /// `CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY`.
    pub const CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY: i32 = 317;
    /// `DOMAIN_EVENT_CALLBACK_LIFECYCLE`.
    pub const LIFECYCLE: i32 = 318;
    /// `DOMAIN_EVENT_CALLBACK_REBOOT`.
    pub const REBOOT: i32 = 319;
    /// `DOMAIN_EVENT_CALLBACK_RTC_CHANGE`.
    pub const RTC_CHANGE: i32 = 320;
    /// `DOMAIN_EVENT_CALLBACK_WATCHDOG`.
    pub const WATCHDOG: i32 = 321;
    /// `DOMAIN_EVENT_CALLBACK_IO_ERROR`.
    pub const IO_ERROR: i32 = 322;
    /// `DOMAIN_EVENT_CALLBACK_GRAPHICS`.
    pub const GRAPHICS: i32 = 323;
    /// `DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON`.
    pub const IO_ERROR_REASON: i32 = 324;
    /// `DOMAIN_EVENT_CALLBACK_CONTROL_ERROR`.
    pub const CONTROL_ERROR: i32 = 325;
    /// `DOMAIN_EVENT_CALLBACK_BLOCK_JOB`.
    pub const BLOCK_JOB: i32 = 326;
    /// `DOMAIN_EVENT_CALLBACK_DISK_CHANGE`.
    pub const DISK_CHANGE: i32 = 327;
    /// `DOMAIN_EVENT_CALLBACK_TRAY_CHANGE`.
    pub const TRAY_CHANGE: i32 = 328;
    /// `DOMAIN_EVENT_CALLBACK_PMWAKEUP`.
    pub const PMWAKEUP: i32 = 329;
    /// `DOMAIN_EVENT_CALLBACK_PMSUSPEND`.
    pub const PMSUSPEND: i32 = 330;
    /// `DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE`.
    pub const BALLOON_CHANGE: i32 = 331;
    /// `DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK`.
    pub const PMSUSPEND_DISK: i32 = 332;
    /// `DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED`.
    pub const DEVICE_REMOVED: i32 = 333;
    /// `DOMAIN_EVENT_BLOCK_JOB_2` (callback form only).
    pub const BLOCK_JOB_2: i32 = 339;
    /// `DOMAIN_EVENT_CALLBACK_TUNABLE`.
    pub const TUNABLE: i32 = 346;
    /// `DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE`.
    pub const AGENT_LIFECYCLE: i32 = 348;
    /// `DOMAIN_EVENT_CALLBACK_DEVICE_ADDED`.
    pub const DEVICE_ADDED: i32 = 354;
    /// `DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION`.
    pub const MIGRATION_ITERATION: i32 = 359;
    /// `DOMAIN_EVENT_CALLBACK_JOB_COMPLETED`.
    pub const JOB_COMPLETED: i32 = 363;
    /// `DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED`.
    pub const DEVICE_REMOVAL_FAILED: i32 = 367;
    /// `DOMAIN_EVENT_CALLBACK_METADATA_CHANGE`.
    pub const METADATA_CHANGE: i32 = 379;
    /// `DOMAIN_EVENT_BLOCK_THRESHOLD`.
    pub const BLOCK_THRESHOLD: i32 = 385;
    /// `DOMAIN_EVENT_MEMORY_FAILURE`.
    pub const MEMORY_FAILURE: i32 = 423;
    /// `DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE`.
    pub const MEMORY_DEVICE_SIZE_CHANGE: i32 = 438;
}

/// `REMOTE_DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX`.
const GRAPHICS_IDENTITY_MAX: u32 = 20;
/// `REMOTE_DOMAIN_EVENT_TUNABLE_MAX`.
const TUNABLE_MAX: u32 = 2048;
/// `REMOTE_DOMAIN_JOB_STATS_MAX`.
const JOB_STATS_MAX: u32 = 64;

/// The MESSAGE procedure carrying domain events of libvirt's event `id`
/// to a callback; `None` for an id libvirt 9.0 does not know.
pub fn domain_event_proc(event_id: u32) -> Option<i32> {
    use proc_::*;
    Some(match event_id {
        id::LIFECYCLE => LIFECYCLE,
        id::REBOOT => REBOOT,
        id::RTC_CHANGE => RTC_CHANGE,
        id::WATCHDOG => WATCHDOG,
        id::IO_ERROR => IO_ERROR,
        id::GRAPHICS => GRAPHICS,
        id::IO_ERROR_REASON => IO_ERROR_REASON,
        id::CONTROL_ERROR => CONTROL_ERROR,
        id::BLOCK_JOB => BLOCK_JOB,
        id::DISK_CHANGE => DISK_CHANGE,
        id::TRAY_CHANGE => TRAY_CHANGE,
        id::PMWAKEUP => PMWAKEUP,
        id::PMSUSPEND => PMSUSPEND,
        id::BALLOON_CHANGE => BALLOON_CHANGE,
        id::PMSUSPEND_DISK => PMSUSPEND_DISK,
        id::DEVICE_REMOVED => DEVICE_REMOVED,
        id::BLOCK_JOB_2 => BLOCK_JOB_2,
        id::TUNABLE => TUNABLE,
        id::AGENT_LIFECYCLE => AGENT_LIFECYCLE,
        id::DEVICE_ADDED => DEVICE_ADDED,
        id::MIGRATION_ITERATION => MIGRATION_ITERATION,
        id::JOB_COMPLETED => JOB_COMPLETED,
        id::DEVICE_REMOVAL_FAILED => DEVICE_REMOVAL_FAILED,
        id::METADATA_CHANGE => METADATA_CHANGE,
        id::BLOCK_THRESHOLD => BLOCK_THRESHOLD,
        id::MEMORY_FAILURE => MEMORY_FAILURE,
        id::MEMORY_DEVICE_SIZE_CHANGE => MEMORY_DEVICE_SIZE_CHANGE,
        _ => return None,
    })
}

fn put_params(e: &mut Encoder, params: &[TypedParam], max: u32, what: &'static str) {
    e.count(params.len(), max, what);
    for p in params {
        e.put(p);
    }
}

fn get_params(
    d: &mut Decoder<'_>,
    max: u32,
    what: &'static str,
) -> Result<Vec<TypedParam>, RemoteError> {
    let n = d.count(max, TypedParam::MIN_SIZE, what)?;
    (0..n).map(|_| d.get()).collect()
}

fn put_address(e: &mut Encoder, a: &GraphicsAddress) {
    e.i32(a.family).string(&a.node).string(&a.service);
}

fn get_address(d: &mut Decoder<'_>) -> Result<GraphicsAddress, RemoteError> {
    Ok(GraphicsAddress {
        family: d.i32()?,
        node: d.string()?,
        service: d.string()?,
    })
}

/// The body of the MESSAGE that carries `kind` about `dom` to callback
/// `callback_id`, after the header; with its procedure number.
fn encode_domain(callback_id: i32, dom: &DomainRef, kind: &DomainEventKind) -> (i32, Encoder) {
    use proc_::*;
    use DomainEventKind as K;
    let mut e = Encoder::new();
    e.i32(callback_id);
    let proc_ = match kind {
        K::Lifecycle { event, detail } => {
            e.put(dom).i32(*event as i32).i32(*detail);
            LIFECYCLE
        }
        K::Reboot => {
            e.put(dom);
            REBOOT
        }
        K::RtcChange { offset } => {
            e.put(dom).i64(*offset);
            RTC_CHANGE
        }
        K::Watchdog { action } => {
            e.put(dom).i32(*action);
            WATCHDOG
        }
        K::IoError {
            src_path,
            dev_alias,
            action,
            reason,
        } => {
            e.put(dom).string(src_path).string(dev_alias).i32(*action);
            match reason {
                None => IO_ERROR,
                Some(r) => {
                    e.string(r);
                    IO_ERROR_REASON
                }
            }
        }
        K::Graphics {
            phase,
            local,
            remote,
            auth_scheme,
            subject,
        } => {
            e.put(dom).i32(*phase);
            put_address(&mut e, local);
            put_address(&mut e, remote);
            e.string(auth_scheme).count(
                subject.len(),
                GRAPHICS_IDENTITY_MAX,
                "graphics identities",
            );
            for (t, n) in subject {
                e.string(t).string(n);
            }
            GRAPHICS
        }
        K::ControlError => {
            e.put(dom);
            CONTROL_ERROR
        }
        K::BlockJob {
            disk,
            job_type,
            status,
            by_target,
        } => {
            e.put(dom).string(disk).i32(*job_type).i32(*status);
            if *by_target {
                BLOCK_JOB_2
            } else {
                BLOCK_JOB
            }
        }
        K::DiskChange {
            old_src,
            new_src,
            dev_alias,
            reason,
        } => {
            e.put(dom)
                .opt_string(old_src.as_deref())
                .opt_string(new_src.as_deref())
                .string(dev_alias)
                .i32(*reason);
            DISK_CHANGE
        }
        K::TrayChange { dev_alias, reason } => {
            e.put(dom).string(dev_alias).i32(*reason);
            TRAY_CHANGE
        }
        // The power-management messages put the reason before the domain.
        K::PmWakeup { reason } => {
            e.i32(*reason).put(dom);
            PMWAKEUP
        }
        K::PmSuspend { reason } => {
            e.i32(*reason).put(dom);
            PMSUSPEND
        }
        K::PmSuspendDisk { reason } => {
            e.i32(*reason).put(dom);
            PMSUSPEND_DISK
        }
        K::BalloonChange { actual } => {
            e.put(dom).u64(*actual);
            BALLOON_CHANGE
        }
        K::DeviceRemoved { dev_alias } => {
            e.put(dom).string(dev_alias);
            DEVICE_REMOVED
        }
        K::Tunable { params } => {
            e.put(dom);
            put_params(&mut e, params, TUNABLE_MAX, "tunable parameters");
            TUNABLE
        }
        K::AgentLifecycle { state, reason } => {
            e.put(dom).i32(*state).i32(*reason);
            AGENT_LIFECYCLE
        }
        K::DeviceAdded { dev_alias } => {
            e.put(dom).string(dev_alias);
            DEVICE_ADDED
        }
        K::MigrationIteration { iteration } => {
            e.put(dom).i32(*iteration);
            MIGRATION_ITERATION
        }
        K::JobCompleted { params } => {
            e.put(dom);
            put_params(&mut e, params, JOB_STATS_MAX, "job statistics");
            JOB_COMPLETED
        }
        K::DeviceRemovalFailed { dev_alias } => {
            e.put(dom).string(dev_alias);
            DEVICE_REMOVAL_FAILED
        }
        K::MetadataChange { kind, nsuri } => {
            e.put(dom).i32(*kind).opt_string(nsuri.as_deref());
            METADATA_CHANGE
        }
        K::BlockThreshold {
            dev,
            path,
            threshold,
            excess,
        } => {
            e.put(dom)
                .string(dev)
                .opt_string(path.as_deref())
                .u64(*threshold)
                .u64(*excess);
            BLOCK_THRESHOLD
        }
        K::MemoryFailure {
            recipient,
            action,
            flags,
        } => {
            e.put(dom).i32(*recipient).i32(*action).u32(*flags);
            MEMORY_FAILURE
        }
        K::MemoryDeviceSizeChange { alias, size } => {
            e.put(dom).string(alias).u64(*size);
            MEMORY_DEVICE_SIZE_CHANGE
        }
    };
    (proc_, e)
}

/// The whole MESSAGE packet that delivers `event` to callback
/// `callback_id`: program REMOTE, serial 0, status OK.
pub fn encode(callback_id: i32, event: &Event) -> Result<Vec<u8>, RemoteError> {
    let (proc_, body) = match event {
        Event::Domain { dom, kind } => encode_domain(callback_id, dom, kind),
        Event::Network { net, kind } => {
            let mut e = Encoder::new();
            match kind {
                NetworkEventKind::Lifecycle { event, detail } => {
                    e.i32(callback_id).put(net).i32(*event as i32).i32(*detail);
                }
            }
            (proc_::NETWORK_EVENT_LIFECYCLE, e)
        }
    };
    let body = body.finish()?;
    let header = Header {
        kind: MessageType::Message,
        ..Header::call(proc_, 0)
    };
    let mut out = Encoder::packet(&header);
    out.fixed(&body);
    out.finish()
}

/// The oldest form of a lifecycle event (`DOMAIN_EVENT_LIFECYCLE`, no
/// callback id), for clients that registered with
/// `CONNECT_DOMAIN_EVENT_REGISTER(_ANY)`; `None` for other events, which
/// that form cannot carry here.
pub fn encode_legacy_lifecycle(event: &Event) -> Option<Result<Vec<u8>, RemoteError>> {
    let Event::Domain {
        dom,
        kind: DomainEventKind::Lifecycle { event, detail },
    } = event
    else {
        return None;
    };
    let header = Header {
        kind: MessageType::Message,
        ..Header::call(proc_::DOMAIN_EVENT_LIFECYCLE, 0)
    };
    let mut out = Encoder::packet(&header);
    out.put(dom).i32(*event as i32).i32(*detail);
    Some(out.finish())
}

fn lifecycle(event: i32, detail: i32) -> Result<DomainEventKind, RemoteError> {
    let event = LifecycleEvent::from_i32(event).ok_or(RemoteError::BadValue("lifecycle event"))?;
    Ok(DomainEventKind::Lifecycle { event, detail })
}

/// Read an event MESSAGE's body (procedure `proc_`): the callback id and
/// the event. `Ok(None)` for a procedure that is no event this crate
/// knows; an error for a body that does not decode.
pub fn decode(proc_: i32, body: &[u8]) -> Result<Option<(i32, Event)>, RemoteError> {
    use proc_::*;
    use DomainEventKind as K;
    let mut d = Decoder::new(body);
    if proc_ == NETWORK_EVENT_LIFECYCLE {
        let cb = d.i32()?;
        let net: NetworkRef = d.get()?;
        let event = NetworkLifecycleEvent::from_i32(d.i32()?)
            .ok_or(RemoteError::BadValue("network lifecycle event"))?;
        let detail = d.i32()?;
        d.finish()?;
        return Ok(Some((
            cb,
            Event::Network {
                net,
                kind: NetworkEventKind::Lifecycle { event, detail },
            },
        )));
    }
    if domain_event_id_of(proc_).is_none() {
        return Ok(None);
    }
    let cb = d.i32()?;
    // The power-management messages carry their reason first.
    let pm_reason = match proc_ {
        PMWAKEUP | PMSUSPEND | PMSUSPEND_DISK => Some(d.i32()?),
        _ => None,
    };
    let dom: DomainRef = d.get()?;
    let d = &mut d;
    let kind = match (proc_, pm_reason) {
        (PMWAKEUP, Some(reason)) => K::PmWakeup { reason },
        (PMSUSPEND, Some(reason)) => K::PmSuspend { reason },
        (PMSUSPEND_DISK, Some(reason)) => K::PmSuspendDisk { reason },
        (LIFECYCLE, _) => lifecycle(d.i32()?, d.i32()?)?,
        (REBOOT, _) => K::Reboot,
        (RTC_CHANGE, _) => K::RtcChange { offset: d.i64()? },
        (WATCHDOG, _) => K::Watchdog { action: d.i32()? },
        (IO_ERROR | IO_ERROR_REASON, _) => K::IoError {
            src_path: d.string()?,
            dev_alias: d.string()?,
            action: d.i32()?,
            reason: if proc_ == IO_ERROR_REASON {
                Some(d.string()?)
            } else {
                None
            },
        },
        (GRAPHICS, _) => {
            let phase = d.i32()?;
            let local = get_address(d)?;
            let remote = get_address(d)?;
            let auth_scheme = d.string()?;
            let n = d.count(GRAPHICS_IDENTITY_MAX, 8, "graphics identities")?;
            let subject = (0..n)
                .map(|_| Ok((d.string()?, d.string()?)))
                .collect::<Result<_, RemoteError>>()?;
            K::Graphics {
                phase,
                local,
                remote,
                auth_scheme,
                subject,
            }
        }
        (CONTROL_ERROR, _) => K::ControlError,
        (BLOCK_JOB | BLOCK_JOB_2, _) => K::BlockJob {
            disk: d.string()?,
            job_type: d.i32()?,
            status: d.i32()?,
            by_target: proc_ == BLOCK_JOB_2,
        },
        (DISK_CHANGE, _) => K::DiskChange {
            old_src: d.opt_string()?,
            new_src: d.opt_string()?,
            dev_alias: d.string()?,
            reason: d.i32()?,
        },
        (TRAY_CHANGE, _) => K::TrayChange {
            dev_alias: d.string()?,
            reason: d.i32()?,
        },
        (BALLOON_CHANGE, _) => K::BalloonChange { actual: d.u64()? },
        (DEVICE_REMOVED, _) => K::DeviceRemoved {
            dev_alias: d.string()?,
        },
        (TUNABLE, _) => K::Tunable {
            params: get_params(d, TUNABLE_MAX, "tunable parameters")?,
        },
        (AGENT_LIFECYCLE, _) => K::AgentLifecycle {
            state: d.i32()?,
            reason: d.i32()?,
        },
        (DEVICE_ADDED, _) => K::DeviceAdded {
            dev_alias: d.string()?,
        },
        (MIGRATION_ITERATION, _) => K::MigrationIteration {
            iteration: d.i32()?,
        },
        (JOB_COMPLETED, _) => K::JobCompleted {
            params: get_params(d, JOB_STATS_MAX, "job statistics")?,
        },
        (DEVICE_REMOVAL_FAILED, _) => K::DeviceRemovalFailed {
            dev_alias: d.string()?,
        },
        (METADATA_CHANGE, _) => K::MetadataChange {
            kind: d.i32()?,
            nsuri: d.opt_string()?,
        },
        (BLOCK_THRESHOLD, _) => K::BlockThreshold {
            dev: d.string()?,
            path: d.opt_string()?,
            threshold: d.u64()?,
            excess: d.u64()?,
        },
        (MEMORY_FAILURE, _) => K::MemoryFailure {
            recipient: d.i32()?,
            action: d.i32()?,
            flags: d.u32()?,
        },
        (MEMORY_DEVICE_SIZE_CHANGE, _) => K::MemoryDeviceSizeChange {
            alias: d.string()?,
            size: d.u64()?,
        },
        _ => return Ok(None),
    };
    d.finish()?;
    Ok(Some((cb, Event::Domain { dom, kind })))
}

/// libvirt's domain event id a callback MESSAGE procedure carries.
pub fn domain_event_id_of(proc_: i32) -> Option<u32> {
    (0..id::LAST).find(|&i| domain_event_proc(i) == Some(proc_))
}

/// Read a whole event packet (header and body), as a client receives it.
pub fn decode_packet_event(bytes: &[u8]) -> Result<Option<(i32, Event)>, RemoteError> {
    let (h, body) = decode_packet(bytes)?;
    if h.kind != MessageType::Message {
        return Ok(None);
    }
    decode(h.proc_, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use virt_core::{TypedValue, Uuid};

    fn dom() -> DomainRef {
        DomainRef {
            name: "test".into(),
            uuid: Uuid::from_u128(0x6695eb01_f6a4_8304_79aa_97f2502e193f),
            id: Some(1),
        }
    }

    fn every_kind() -> Vec<DomainEventKind> {
        use DomainEventKind as K;
        let addr = |n: &str| GraphicsAddress {
            family: 0,
            node: n.into(),
            service: "5900".into(),
        };
        let params = vec![TypedParam {
            field: "cputune.vcpu0".into(),
            value: TypedValue::String("0-1".into()),
        }];
        vec![
            K::lifecycle(LifecycleEvent::Stopped, 1),
            K::Reboot,
            K::RtcChange { offset: -3600 },
            K::Watchdog { action: 2 },
            K::IoError {
                src_path: "/p".into(),
                dev_alias: "virtio-disk0".into(),
                action: 1,
                reason: None,
            },
            K::Graphics {
                phase: 1,
                local: addr("127.0.0.1"),
                remote: addr("10.0.0.2"),
                auth_scheme: "vnc".into(),
                subject: vec![("x509dname".into(), "CN=a".into())],
            },
            K::IoError {
                src_path: "/p".into(),
                dev_alias: "virtio-disk0".into(),
                action: 1,
                reason: Some("enospc".into()),
            },
            K::ControlError,
            K::BlockJob {
                disk: "/p".into(),
                job_type: 1,
                status: 0,
                by_target: false,
            },
            K::DiskChange {
                old_src: Some("/a.iso".into()),
                new_src: None,
                dev_alias: "ide0-1-0".into(),
                reason: 0,
            },
            K::TrayChange {
                dev_alias: "ide0-1-0".into(),
                reason: 1,
            },
            K::PmWakeup { reason: 0 },
            K::PmSuspend { reason: 0 },
            K::BalloonChange { actual: 524_288 },
            K::PmSuspendDisk { reason: 0 },
            K::DeviceRemoved {
                dev_alias: "net0".into(),
            },
            K::BlockJob {
                disk: "vda".into(),
                job_type: 2,
                status: 3,
                by_target: true,
            },
            K::Tunable {
                params: params.clone(),
            },
            K::AgentLifecycle {
                state: 1,
                reason: 2,
            },
            K::DeviceAdded {
                dev_alias: "net1".into(),
            },
            K::MigrationIteration { iteration: 3 },
            K::JobCompleted { params },
            K::DeviceRemovalFailed {
                dev_alias: "net1".into(),
            },
            K::MetadataChange {
                kind: 2,
                nsuri: Some("http://example.org/".into()),
            },
            K::BlockThreshold {
                dev: "vda".into(),
                path: None,
                threshold: 1 << 30,
                excess: 4096,
            },
            K::MemoryFailure {
                recipient: 1,
                action: 2,
                flags: 3,
            },
            K::MemoryDeviceSizeChange {
                alias: "dimm0".into(),
                size: 1 << 20,
            },
        ]
    }

    #[test]
    fn every_domain_event_round_trips_with_its_procedure() {
        let kinds = every_kind();
        assert_eq!(kinds.len() as u32, id::LAST, "one sample per event id");
        for kind in kinds {
            let ev = Event::Domain {
                dom: dom(),
                kind: kind.clone(),
            };
            let bytes = encode(7, &ev).unwrap();
            let (h, _) = decode_packet(&bytes).unwrap();
            assert_eq!(h.kind, MessageType::Message);
            assert_eq!((h.serial, h.prog), (0, crate::packet::REMOTE_PROGRAM));
            assert_eq!(Some(h.proc_), domain_event_proc(kind.id()));
            assert_eq!(domain_event_id_of(h.proc_), Some(kind.id()));
            assert_eq!(decode_packet_event(&bytes).unwrap(), Some((7, ev)));
        }
    }

    #[test]
    fn libvirts_bytes_for_a_lifecycle_and_a_network_event() {
        // DOMAIN_EVENT_CALLBACK_LIFECYCLE for "test" (id 1) STOPPED DESTROYED
        // to callback 3, as libvirtd 9.0 sends it.
        let ev = Event::lifecycle(dom(), LifecycleEvent::Stopped, 1);
        let bytes = encode(3, &ev).unwrap();
        let mut want = vec![0, 0, 0, 0]; // length, patched below
        want.extend([0x20, 0x00, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0x01, 0x3e]);
        // Type MESSAGE (2), serial 0, status OK.
        want.extend([0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
        want.extend([0, 0, 0, 3, 0, 0, 0, 4, b't', b'e', b's', b't']);
        want.extend(dom().uuid.as_bytes());
        want.extend([0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 1]);
        let n = want.len() as u32;
        want[..4].copy_from_slice(&n.to_be_bytes());
        assert_eq!(bytes, want);
        let net = Event::network_lifecycle(
            NetworkRef {
                name: "default".into(),
                uuid: Uuid::from_u128(1),
            },
            NetworkLifecycleEvent::Started,
        );
        let bytes = encode(9, &net).unwrap();
        let (h, _) = decode_packet(&bytes).unwrap();
        assert_eq!(h.proc_, 315);
        assert_eq!(decode_packet_event(&bytes).unwrap(), Some((9, net)));
    }

    #[test]
    fn bad_bodies_are_errors_and_other_procedures_are_not_events() {
        assert_eq!(decode(3, &[]).unwrap(), None);
        assert!(decode(proc_::LIFECYCLE, &[0, 0, 0, 1]).is_err());
        // An event type libvirt does not have.
        let mut e = Encoder::new();
        e.i32(1).put(&dom()).i32(99).i32(0);
        assert!(decode(proc_::LIFECYCLE, &e.finish().unwrap()).is_err());
        // Bytes after the message.
        let mut e = Encoder::new();
        e.i32(1).put(&dom()).u32(0);
        assert!(decode(proc_::REBOOT, &e.finish().unwrap()).is_err());
    }

    proptest! {
        #[test]
        fn decoding_any_bytes_never_panics(
            proc_ in prop_oneof![Just(315), 316i32..440],
            body in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let _ = decode(proc_, &body);
        }

        #[test]
        fn lifecycles_round_trip(
            cb in any::<i32>(),
            event in 0i32..9,
            detail in any::<i32>(),
            name in "[a-z][a-z0-9_-]{0,20}",
            uuid in any::<u128>(),
            id in proptest::option::of(1u32..100_000),
        ) {
            let kind = lifecycle(event, detail).unwrap();
            let ev = Event::Domain {
                dom: DomainRef { name, uuid: Uuid::from_u128(uuid), id },
                kind,
            };
            let bytes = encode(cb, &ev).unwrap();
            prop_assert_eq!(decode_packet_event(&bytes).unwrap(), Some((cb, ev)));
        }
    }
}
