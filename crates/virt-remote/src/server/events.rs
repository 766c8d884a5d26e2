//! Event registrations of a session's client: what it asked for, and the
//! one subscription to the driver whose events are relayed to it as
//! libvirt's MESSAGE packets, in the form (by callback id, or the legacy
//! lifecycle form) it registered in.

use std::sync::{Arc, Mutex, PoisonError};

use virt_core::events::{domain_event_id, network_event_id};
use virt_core::{
    Delivery, DomainRef, Error, ErrorCode, ErrorDomain, Event, EventFilter, NetworkRef, Result,
    Subscription, Topic, Uuid,
};

use crate::events::{self as wire_events, proc_ as ev};
use crate::xdr::{Decoder, Encoder};

use super::{decode, internal, Session};
/// Where a session sends the event packets of its client: called on the
/// session's event thread with each whole MESSAGE packet. It must not
/// block (the daemon queues the packet, or drops a client that does not
/// keep up).
pub type EventOutput = Arc<dyn Fn(Vec<u8>) + Send + Sync>;

/// How a client registered, which decides the form of its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// By callback id: `DOMAIN_EVENT_CALLBACK_*` / `NETWORK_EVENT_*`.
    Callback,
    /// `CONNECT_DOMAIN_EVENT_REGISTER(_ANY)`: `DOMAIN_EVENT_LIFECYCLE`.
    Legacy,
}

/// One registration of the client.
#[derive(Debug, Clone)]
struct Registration {
    callback_id: i32,
    topic: Topic,
    /// Only events about this domain or network.
    object: Option<Uuid>,
    form: Form,
}

#[derive(Default)]
struct Registrations {
    next_id: i32,
    list: Vec<Registration>,
}

/// The client's event registrations and the one subscription (to every
/// event of the driver) that serves them all, in order.
pub(super) struct Events {
    registrations: Arc<Mutex<Registrations>>,
    _subscription: Subscription,
}

/// Send `event` to every registration of the client that wants it.
fn relay(registrations: &Mutex<Registrations>, output: &EventOutput, event: &Event) {
    let regs = registrations.lock().unwrap_or_else(PoisonError::into_inner);
    let topic = event.topic();
    let object = match event {
        Event::Domain { dom, .. } => dom.uuid,
        Event::Network { net, .. } => net.uuid,
    };
    for r in regs.list.iter().filter(|r| r.topic == topic) {
        if r.object.is_some_and(|o| o != object) {
            continue;
        }
        let packet = match r.form {
            Form::Callback => Some(wire_events::encode(r.callback_id, event)),
            Form::Legacy => wire_events::encode_legacy_lifecycle(event),
        };
        match packet {
            Some(Ok(p)) => output(p),
            Some(Err(e)) => log::warn!("event not sent: {e}"),
            None => {}
        }
    }
}

impl Session {
    /// Let this session's client register for events, delivered through
    /// `output`. Without one, registrations are refused as unsupported.
    pub fn set_event_output(&mut self, output: EventOutput) {
        self.event_output = Some(output);
    }

    /// True while the client has an event registration.
    pub fn has_event_registrations(&self) -> bool {
        self.events.as_ref().is_some_and(|e| {
            !e.registrations
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .list
                .is_empty()
        })
    }

    /// Add a registration; its callback id.
    fn register(
        &mut self,
        api: &str,
        topic: Topic,
        object: Option<Uuid>,
        form: Form,
    ) -> Result<i32> {
        let conn = self
            .conn
            .as_ref()
            .ok_or_else(|| internal("hypervisor connection not open"))?;
        if self.events.is_none() {
            let buses = conn.driver.0.event_buses();
            let (Some(output), false) = (self.event_output.clone(), buses.is_empty()) else {
                return Err(Error::no_support(api));
            };
            let registrations = Arc::new(Mutex::new(Registrations {
                next_id: 1,
                list: Vec::new(),
            }));
            let regs = registrations.clone();
            let subscription = Subscription::callback(&buses, &EventFilter::all(), move |d| {
                if let Delivery::Event(e) = d {
                    relay(&regs, &output, &e);
                }
            })
            .map_err(|e| {
                Error::with(
                    ErrorCode::SystemError,
                    ErrorDomain::Events,
                    format!("cannot start the event thread: {e}"),
                )
            })?;
            self.events = Some(Events {
                registrations,
                _subscription: subscription,
            });
        }
        let events = self.events.as_ref().ok_or_else(|| internal("no events"))?;
        let mut regs = events
            .registrations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let callback_id = regs.next_id;
        regs.next_id += 1;
        regs.list.push(Registration {
            callback_id,
            topic,
            object,
            form,
        });
        Ok(callback_id)
    }

    /// Remove the registrations `which` picks; false when there was none.
    fn deregister(&mut self, which: impl Fn(&Registration) -> bool) -> bool {
        let Some(events) = &self.events else {
            return false;
        };
        let mut regs = events
            .registrations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let before = regs.list.len();
        regs.list.retain(|r| !which(r));
        let removed = regs.list.len() != before;
        let empty = regs.list.is_empty();
        drop(regs);
        if empty {
            // No registration left: stop listening to the driver at all.
            self.events = None;
        }
        removed
    }

    /// The event registration procedures; `None` for other procedures.
    pub(super) fn event_call(
        &mut self,
        proc_: i32,
        args: &mut Decoder<'_>,
        out: &mut Encoder,
    ) -> Option<Result<()>> {
        let r = match proc_ {
            ev::CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY => {
                decode::<(i32, Option<DomainRef>)>(args).and_then(|(id, dom)| {
                    let id = domain_id(id)?;
                    let cb = self.register(
                        "virConnectDomainEventRegisterAny",
                        Topic::Domain(id),
                        dom.map(|d| d.uuid),
                        Form::Callback,
                    )?;
                    out.i32(cb);
                    Ok(())
                })
            }
            ev::CONNECT_NETWORK_EVENT_REGISTER_ANY => decode::<(i32, Option<NetworkRef>)>(args)
                .and_then(|(id, net)| {
                    let id = u32::try_from(id)
                        .ok()
                        .filter(|&i| i < network_event_id::LAST)
                        .ok_or_else(|| internal(&format!("unsupported network event ID {id}")))?;
                    let cb = self.register(
                        "virConnectNetworkEventRegisterAny",
                        Topic::Network(id),
                        net.map(|n| n.uuid),
                        Form::Callback,
                    )?;
                    out.i32(cb);
                    Ok(())
                }),
            // Storage pool, node device and secret events: registrations
            // are kept (clients such as libvirt-python's event-test.py
            // register for every kind), though no driver publishes them.
            ev::CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY => {
                decode::<(i32, Option<virt_core::StoragePoolRef>)>(args).and_then(|(id, pool)| {
                    let id = other_id(id, 2, "storage pool")?;
                    self.register_other(Topic::StoragePool(id), pool.map(|p| p.uuid), out)
                })
            }
            ev::CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY => decode::<(i32, Option<String>)>(args)
                .and_then(|(id, _dev)| {
                    let id = other_id(id, 2, "node device")?;
                    self.register_other(Topic::NodeDevice(id), None, out)
                }),
            ev::CONNECT_SECRET_EVENT_REGISTER_ANY => {
                decode::<(i32, Option<(Uuid, i32, String)>)>(args).and_then(|(id, secret)| {
                    let id = other_id(id, 2, "secret")?;
                    self.register_other(Topic::Secret(id), secret.map(|s| s.0), out)
                })
            }
            ev::CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY
            | ev::CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY
            | ev::CONNECT_SECRET_EVENT_DEREGISTER_ANY => decode::<i32>(args).and_then(|cb| {
                let (what, wanted): (&str, fn(&Topic) -> bool) = match proc_ {
                    ev::CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY => {
                        ("storage pool", |t| matches!(t, Topic::StoragePool(_)))
                    }
                    ev::CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY => {
                        ("node device", |t| matches!(t, Topic::NodeDevice(_)))
                    }
                    _ => ("secret", |t| matches!(t, Topic::Secret(_))),
                };
                if self.deregister(|r| r.callback_id == cb && wanted(&r.topic)) {
                    Ok(())
                } else {
                    Err(internal(&format!(
                        "{what} event callback {cb} not registered"
                    )))
                }
            }),
            ev::CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY
            | ev::CONNECT_NETWORK_EVENT_DEREGISTER_ANY => decode::<i32>(args).and_then(|cb| {
                let network = proc_ == ev::CONNECT_NETWORK_EVENT_DEREGISTER_ANY;
                let removed = self.deregister(|r| {
                    r.callback_id == cb
                        && r.form == Form::Callback
                        && matches!(r.topic, Topic::Network(_)) == network
                });
                if removed {
                    Ok(())
                } else if network {
                    Err(internal(&format!(
                        "network event callback {cb} not registered"
                    )))
                } else {
                    Err(internal(&format!(
                        "domain event callback {cb} not registered"
                    )))
                }
            }),
            // The oldest forms carry lifecycle events only, without a
            // callback id: one registration per connection.
            ev::CONNECT_DOMAIN_EVENT_REGISTER_ANY => decode::<i32>(args).and_then(|id| {
                let id = domain_id(id)?;
                if id != domain_event_id::LIFECYCLE {
                    return Err(Error::no_support("virConnectDomainEventRegisterAny"));
                }
                self.register_legacy()
            }),
            ev::CONNECT_DOMAIN_EVENT_REGISTER => self.register_legacy().map(|()| {
                out.i32(1);
            }),
            ev::CONNECT_DOMAIN_EVENT_DEREGISTER_ANY | ev::CONNECT_DOMAIN_EVENT_DEREGISTER => {
                let id = if proc_ == ev::CONNECT_DOMAIN_EVENT_DEREGISTER_ANY {
                    decode::<i32>(args).and_then(domain_id)
                } else {
                    Ok(domain_event_id::LIFECYCLE)
                };
                id.and_then(|id| {
                    if !self.deregister(|r| r.form == Form::Legacy && r.topic == Topic::Domain(id))
                    {
                        return Err(internal(&format!("domain event {id} not registered")));
                    }
                    if proc_ == ev::CONNECT_DOMAIN_EVENT_DEREGISTER {
                        out.i32(0);
                    }
                    Ok(())
                })
            }
            _ => return None,
        };
        Some(r)
    }

    fn register_other(
        &mut self,
        topic: Topic,
        object: Option<Uuid>,
        out: &mut Encoder,
    ) -> Result<()> {
        let cb = self.register(
            "virConnectStoragePoolEventRegisterAny",
            topic,
            object,
            Form::Callback,
        )?;
        out.i32(cb);
        Ok(())
    }

    fn register_legacy(&mut self) -> Result<()> {
        let known = self.events.as_ref().is_some_and(|e| {
            e.registrations
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .list
                .iter()
                .any(|r| r.form == Form::Legacy)
        });
        if known {
            return Err(internal("domain event 0 already registered"));
        }
        self.register(
            "virConnectDomainEventRegister",
            Topic::Domain(domain_event_id::LIFECYCLE),
            None,
            Form::Legacy,
        )
        .map(drop)
    }
}

/// An event id below `last` for objects of `what`, or libvirt's error.
fn other_id(id: i32, last: u32, what: &str) -> Result<u32> {
    u32::try_from(id)
        .ok()
        .filter(|&i| i < last)
        .ok_or_else(|| internal(&format!("unsupported {what} event ID {id}")))
}

/// A domain event id libvirt 9.0 knows, or its error.
fn domain_id(id: i32) -> Result<u32> {
    u32::try_from(id)
        .ok()
        .filter(|&i| i < domain_event_id::LAST)
        .ok_or_else(|| internal(&format!("unsupported event ID {id}")))
}
