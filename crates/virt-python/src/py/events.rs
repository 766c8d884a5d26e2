//! Events for Python, as libvirt-python delivers them: callbacks
//! registered per connection run on the thread that runs the event loop
//! (`virEventRunDefaultImpl`, or an application's loop registered with
//! `virEventRegisterImpl`, such as libvirtaio's asyncio one), never on
//! virt-core's threads.
//!
//! Each connection with registrations holds one virt-core subscription
//! to every event; its deliveries are queued here, and the loop's thread
//! hands each to the registrations that want it, in registration order.
//! An application loop learns that deliveries wait through a handle on
//! a socket this module writes a byte to (the way libvirt's remote driver
//! adds its socket to the loop).

use super::connect::PyConnect;
use super::convert::params_dict;
use super::domain::PyDomain;
use super::error::binding_error;
use super::handle::ConnObject;
use super::storage::PyNetwork;
use super::stream::PyStream;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use pyo3::BoundObject;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::Duration;
use virt_core::events::GraphicsAddress;
use virt_core::{
    Delivery, DomainEventKind, ErrorCode, Event, EventFilter, NetworkEventKind, Subscription,
    Topic, Uuid,
};

/// `VIR_EVENT_HANDLE_READABLE`.
const HANDLE_READABLE: i32 = 1;

/// A delivery waiting for the loop's thread. Weak: a queued delivery
/// must not keep its connection object alive, or a connection its
/// program dropped would stay open (and test:///default keep its state)
/// until the loop ran again, as libvirt-python's never does.
struct Pending {
    target: Weak<Target>,
    delivery: Delivery,
}

/// What the loop's thread has to do: hand a connection's delivery to its
/// registrations, or tell a stream's callback what holds now.
enum Work {
    Conn(Box<Pending>),
    Stream(Arc<WatchSlot>),
}

static QUEUE: Mutex<VecDeque<Work>> = Mutex::new(VecDeque::new());
static READY: Condvar = Condvar::new();
/// Registrations over all connections: the loop has work while any.
static REGISTRATIONS: AtomicUsize = AtomicUsize::new(0);

fn queue() -> MutexGuard<'static, VecDeque<Work>> {
    QUEUE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The socket pair whose first end an application loop watches.
fn wake() -> Option<&'static (UnixStream, UnixStream)> {
    static WAKE: OnceLock<Option<(UnixStream, UnixStream)>> = OnceLock::new();
    WAKE.get_or_init(|| {
        let (r, w) = UnixStream::pair().ok()?;
        r.set_nonblocking(true).ok()?;
        w.set_nonblocking(true).ok()?;
        Some((r, w))
    })
    .as_ref()
}

/// An application's loop (`virEventRegisterImpl`): its add/remove handle
/// functions, and the watch it gave this module's socket.
struct AppLoop {
    add_handle: Py<PyAny>,
    remove_handle: Py<PyAny>,
    watch: Option<i64>,
}

static APP_LOOP: Mutex<Option<AppLoop>> = Mutex::new(None);

fn app_loop() -> MutexGuard<'static, Option<AppLoop>> {
    APP_LOOP.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Queue a delivery and wake whichever loop runs.
fn push(target: &Weak<Target>, delivery: Delivery) {
    push_work(Work::Conn(Box::new(Pending {
        target: target.clone(),
        delivery,
    })));
}

fn push_work(work: Work) {
    queue().push_back(work);
    READY.notify_all();
    if let Some((_, w)) = wake() {
        // A full socket already says "work waits".
        let mut w: &UnixStream = w;
        let _ = w.write(&[1]);
    }
}

/// One registration of a connection.
struct Registration {
    id: i32,
    topic: Topic,
    object: Option<Uuid>,
    callback: Py<PyAny>,
    opaque: Py<PyAny>,
}

/// What a connection's deliveries are handed to.
pub(super) struct Target {
    conn: Py<PyConnect>,
    registrations: Mutex<Vec<Registration>>,
    close: Mutex<Option<(Py<PyAny>, Py<PyAny>)>>,
}

/// A connection's event state: its subscriptions and registrations.
pub(super) struct ConnEvents {
    target: Arc<Target>,
    events: Option<Subscription>,
    closing: Option<Subscription>,
    next_id: i32,
}

fn registrations(t: &Target) -> MutexGuard<'_, Vec<Registration>> {
    t.registrations
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

fn count_changed(py: Python<'_>, before: usize, after: usize) {
    if before == 0 && after > 0 {
        add_watch(py);
    } else if before > 0 && after == 0 {
        remove_watch(py);
    }
}

fn add_watch(py: Python<'_>) {
    let mut l = app_loop();
    let Some(app) = l.as_mut() else { return };
    let (Some((r, _)), None) = (wake(), app.watch) else {
        return;
    };
    let handler = match wrap_pyfunction!(handle_ready, py) {
        Ok(f) => f,
        Err(e) => return e.write_unraisable(py, None),
    };
    match app
        .add_handle
        .call1(py, (r.as_raw_fd(), HANDLE_READABLE, handler, py.None()))
        .and_then(|w| w.extract::<i64>(py))
    {
        Ok(w) => app.watch = Some(w),
        Err(e) => e.write_unraisable(py, None),
    }
}

fn remove_watch(py: Python<'_>) {
    let mut l = app_loop();
    let Some(app) = l.as_mut() else { return };
    if let Some(w) = app.watch.take() {
        if let Err(e) = app.remove_handle.call1(py, (w,)) {
            e.write_unraisable(py, None);
        }
    }
}

impl ConnEvents {
    fn new(conn: Py<PyConnect>) -> ConnEvents {
        ConnEvents {
            target: Arc::new(Target {
                conn,
                registrations: Mutex::new(Vec::new()),
                close: Mutex::new(None),
            }),
            events: None,
            closing: None,
            next_id: 0,
        }
    }

    fn subscribe(
        &self,
        c: &virt_core::Connect,
        filter: EventFilter,
    ) -> virt_core::Result<Subscription> {
        // Weak: the subscription's thread may outlive this state a little,
        // and must not keep the connection object alive meanwhile (nor
        // drop the last reference to it away from the interpreter's lock).
        let t = Arc::downgrade(&self.target);
        c.subscribe_with(filter, move |d| {
            if t.strong_count() > 0 {
                push(&t, d);
            }
        })
    }
}

/// Register `callback(conn, OBJECT, ..., opaque)` for `topic` on `slf`
/// (about `object` only when given); its callback id.
pub(super) fn register(
    slf: &Bound<'_, PyConnect>,
    topic: Topic,
    object: Option<Uuid>,
    callback: Py<PyAny>,
    opaque: Py<PyAny>,
) -> PyResult<i32> {
    let py = slf.py();
    if !callback.bind(py).is_callable() {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "event callback must be callable",
        ));
    }
    let me = slf.get();
    let id = me.with_events(py, |c, ev| {
        let ev = ev.get_or_insert_with(|| ConnEvents::new(slf.clone().unbind()));
        if ev.events.is_none() {
            ev.events = Some(super::error::call(py, || {
                ev.subscribe(c, EventFilter::all())
            })?);
        }
        let id = ev.next_id;
        ev.next_id += 1;
        registrations(&ev.target).push(Registration {
            id,
            topic,
            object,
            callback,
            opaque,
        });
        Ok(id)
    })?;
    let before = REGISTRATIONS.fetch_add(1, Ordering::SeqCst);
    count_changed(py, before, before + 1);
    Ok(id)
}

/// Remove the registrations `which` picks; how many.
pub(super) fn deregister(
    slf: &Bound<'_, PyConnect>,
    which: impl Fn(i32, &Topic, &Py<PyAny>) -> bool,
) -> PyResult<usize> {
    let py = slf.py();
    let removed = slf.get().with_events(py, |_, ev| {
        let Some(e) = ev.as_mut() else { return Ok(0) };
        let gone: Vec<Registration> = {
            let mut regs = registrations(&e.target);
            let (gone, kept) = std::mem::take(&mut *regs)
                .into_iter()
                .partition(|r| which(r.id, &r.topic, &r.callback));
            *regs = kept;
            gone
        };
        if registrations(&e.target).is_empty() {
            // Nothing left to listen for.
            e.events = None;
            if e.closing.is_none() {
                // The state holds the connection object: let it go, so a
                // connection nobody references closes (and test:///default
                // resets) as libvirt-python's does.
                *ev = None;
            }
        }
        Ok(gone.len())
    })?;
    if removed > 0 {
        let before = REGISTRATIONS.fetch_sub(removed, Ordering::SeqCst);
        count_changed(py, before, before - removed);
    }
    Ok(removed)
}

/// Set (or with `None`, clear) the close callback of `slf`.
pub(super) fn set_close_callback(
    slf: &Bound<'_, PyConnect>,
    callback: Option<(Py<PyAny>, Py<PyAny>)>,
) -> PyResult<()> {
    let py = slf.py();
    slf.get().with_events(py, |c, ev| {
        let e = ev.get_or_insert_with(|| ConnEvents::new(slf.clone().unbind()));
        if callback.is_some() && e.closing.is_none() {
            // No topic: only the subscription's end is of interest.
            let filter = EventFilter::topics(Vec::new());
            e.closing = Some(super::error::call(py, || e.subscribe(c, filter))?);
        }
        if callback.is_none() {
            e.closing = None;
        }
        *e.target
            .close
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = callback;
        if e.closing.is_none() && registrations(&e.target).is_empty() {
            *ev = None;
        }
        Ok(())
    })
}

/// Forget the connection's registrations (it is closing).
pub(super) fn forget(py: Python<'_>, ev: Option<ConnEvents>) {
    let Some(ev) = ev else { return };
    let n = registrations(&ev.target).len();
    drop(ev);
    if n > 0 {
        let before = REGISTRATIONS.fetch_sub(n, Ordering::SeqCst);
        count_changed(py, before, before - n);
    }
}

fn address<'py>(py: Python<'py>, a: &GraphicsAddress) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("family", a.family)?;
    d.set_item("node", &a.node)?;
    d.set_item("service", &a.service)?;
    Ok(d)
}

/// The arguments between the object and `opaque`, as libvirt-python
/// passes them for each event.
fn domain_args<'py>(py: Python<'py>, kind: &DomainEventKind) -> PyResult<Vec<PyObject>> {
    use DomainEventKind as K;
    fn o<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> PyResult<PyObject> {
        v.into_pyobject(py)
            .map(|b| b.into_any().unbind())
            .map_err(Into::into)
    }
    Ok(match kind {
        K::Lifecycle { event, detail } => vec![o(py, *event as i32)?, o(py, *detail)?],
        K::Reboot | K::ControlError => vec![],
        K::RtcChange { offset } => vec![o(py, *offset)?],
        K::Watchdog { action } => vec![o(py, *action)?],
        K::IoError {
            src_path,
            dev_alias,
            action,
            reason,
        } => {
            let mut v = vec![o(py, src_path)?, o(py, dev_alias)?, o(py, *action)?];
            if let Some(r) = reason {
                v.push(o(py, r)?);
            }
            v
        }
        K::Graphics {
            phase,
            local,
            remote,
            auth_scheme,
            subject,
        } => {
            let list = PyList::empty(py);
            for (t, n) in subject {
                list.append(PyTuple::new(py, [t, n])?)?;
            }
            vec![
                o(py, *phase)?,
                address(py, local)?.into_any().unbind(),
                address(py, remote)?.into_any().unbind(),
                o(py, auth_scheme)?,
                list.into_any().unbind(),
            ]
        }
        K::BlockJob {
            disk,
            job_type,
            status,
            ..
        } => vec![o(py, disk)?, o(py, *job_type)?, o(py, *status)?],
        K::DiskChange {
            old_src,
            new_src,
            dev_alias,
            reason,
        } => vec![
            o(py, old_src.as_deref())?,
            o(py, new_src.as_deref())?,
            o(py, dev_alias)?,
            o(py, *reason)?,
        ],
        K::TrayChange { dev_alias, reason } => vec![o(py, dev_alias)?, o(py, *reason)?],
        K::PmWakeup { reason } | K::PmSuspend { reason } | K::PmSuspendDisk { reason } => {
            vec![o(py, *reason)?]
        }
        K::BalloonChange { actual } => vec![o(py, *actual)?],
        K::DeviceRemoved { dev_alias }
        | K::DeviceAdded { dev_alias }
        | K::DeviceRemovalFailed { dev_alias } => vec![o(py, dev_alias)?],
        K::Tunable { params: p } | K::JobCompleted { params: p } => {
            vec![params_dict(py, p)?.into_any().unbind()]
        }
        K::AgentLifecycle { state, reason } => vec![o(py, *state)?, o(py, *reason)?],
        K::MigrationIteration { iteration } => vec![o(py, *iteration)?],
        K::MetadataChange { kind, nsuri } => vec![o(py, *kind)?, o(py, nsuri.as_deref())?],
        K::BlockThreshold {
            dev,
            path,
            threshold,
            excess,
        } => vec![
            o(py, dev)?,
            o(py, path.as_deref())?,
            o(py, *threshold)?,
            o(py, *excess)?,
        ],
        K::MemoryFailure {
            recipient,
            action,
            flags,
        } => vec![o(py, *recipient)?, o(py, *action)?, o(py, *flags)?],
        K::MemoryDeviceSizeChange { alias, size } => vec![o(py, alias)?, o(py, *size)?],
    })
}

/// Hand one delivery to the registrations (or close callback) it concerns.
fn deliver(py: Python<'_>, p: Pending) -> PyResult<()> {
    // The connection's registrations are gone: nobody to tell.
    let Some(target) = p.target.upgrade() else {
        return Ok(());
    };
    let conn = target.conn.bind(py);
    match p.delivery {
        Delivery::Event(event) => {
            let (topic, uuid) = (
                event.topic(),
                match &event {
                    Event::Domain { dom, .. } => dom.uuid,
                    Event::Network { net, .. } => net.uuid,
                },
            );
            let wanted: Vec<(Py<PyAny>, Py<PyAny>)> = registrations(&target)
                .iter()
                .filter(|r| r.topic == topic && r.object.is_none_or(|o| o == uuid))
                .map(|r| (r.callback.clone_ref(py), r.opaque.clone_ref(py)))
                .collect();
            if wanted.is_empty() {
                return Ok(());
            }
            let Some(c) = conn.get().connect() else {
                return Ok(());
            };
            let (object, middle) = match event {
                Event::Domain { dom, kind } => (
                    PyDomain::wrap(conn, c.domain(dom))?.into_any(),
                    domain_args(py, &kind)?,
                ),
                Event::Network { net, kind } => {
                    let NetworkEventKind::Lifecycle { event, detail } = kind;
                    (
                        PyNetwork::wrap(conn, c.network(net))?.into_any(),
                        vec![
                            (event as i32).into_pyobject(py)?.into_any().unbind(),
                            detail.into_pyobject(py)?.into_any().unbind(),
                        ],
                    )
                }
            };
            for (callback, opaque) in wanted {
                let mut args: Vec<PyObject> =
                    vec![conn.clone().into_any().unbind(), object.clone_ref(py)];
                args.extend(middle.iter().map(|a| a.clone_ref(py)));
                args.push(opaque);
                if let Err(e) = callback.call1(py, PyTuple::new(py, args)?) {
                    e.write_unraisable(py, Some(callback.bind(py)));
                }
            }
        }
        Delivery::Ended(why) => {
            let cb = target
                .close
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
                .map(|(c, o)| (c.clone_ref(py), o.clone_ref(py)));
            if let Some((callback, opaque)) = cb {
                let args = (conn.clone(), why.close_reason(), opaque);
                if let Err(e) = callback.call1(py, args) {
                    e.write_unraisable(py, Some(callback.bind(py)));
                }
            }
        }
        Delivery::Gap(_) => {}
    }
    Ok(())
}

/// Run every waiting delivery on this thread.
fn dispatch(py: Python<'_>) -> PyResult<()> {
    if let Some((r, _)) = wake() {
        let mut r: &UnixStream = r;
        let mut buf = [0u8; 256];
        while matches!(r.read(&mut buf), Ok(n) if n > 0) {}
    }
    // Streams whose events still hold after their callback ran: due
    // again on the loop's next round (as a poll on a ready fd answers at
    // once), not in this one, which would never end.
    let mut again = Vec::new();
    loop {
        let batch: Vec<Work> = queue().drain(..).collect();
        if batch.is_empty() {
            break;
        }
        for w in batch {
            match w {
                Work::Conn(p) => deliver(py, *p)?,
                Work::Stream(slot) => {
                    if tell_stream(py, &slot) {
                        again.push(slot);
                    }
                }
            }
        }
    }
    for slot in again {
        push_work(Work::Stream(slot));
    }
    Ok(())
}

/// The handle callback given to an application's loop for this module's
/// socket: `(watch, fd, events, opaque)`.
#[pyfunction]
#[pyo3(name = "_virEventHandleReady")]
fn handle_ready(
    py: Python<'_>,
    watch: i64,
    fd: i64,
    events: i64,
    opaque: PyObject,
) -> PyResult<()> {
    let _ = (watch, fd, events, opaque);
    dispatch(py)
}

/// Use libvirt's own event loop, run by `virEventRunDefaultImpl`.
#[pyfunction]
#[pyo3(name = "virEventRegisterDefaultImpl")]
fn register_default_impl(py: Python<'_>) -> i32 {
    remove_watch(py);
    *app_loop() = None;
    0
}

/// Run one iteration of the default loop: wait (at most a second) for
/// deliveries, then run their callbacks on this thread.
#[pyfunction]
#[pyo3(name = "virEventRunDefaultImpl")]
fn run_default_impl(py: Python<'_>) -> PyResult<i32> {
    py.allow_threads(|| {
        let q = queue();
        if q.is_empty() {
            let _ = READY.wait_timeout(q, Duration::from_secs(1));
        }
    });
    dispatch(py)?;
    Ok(0)
}

/// Use the application's loop: this module adds a handle for its socket
/// with `addHandle` while any callback is registered. The timeout
/// functions are kept for libvirt-python's signature; no timer is needed.
#[pyfunction]
#[pyo3(name = "virEventRegisterImpl")]
fn register_impl(
    py: Python<'_>,
    add_handle: Py<PyAny>,
    update_handle: Py<PyAny>,
    remove_handle: Py<PyAny>,
    add_timeout: Py<PyAny>,
    update_timeout: Py<PyAny>,
    remove_timeout: Py<PyAny>,
) -> PyResult<()> {
    for f in [
        &add_handle,
        &update_handle,
        &remove_handle,
        &add_timeout,
        &update_timeout,
        &remove_timeout,
    ] {
        if !f.bind(py).is_callable() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "virEventRegisterImpl: every argument must be callable",
            ));
        }
    }
    remove_watch(py);
    *app_loop() = Some(AppLoop {
        add_handle,
        remove_handle,
        watch: None,
    });
    if REGISTRATIONS.load(Ordering::SeqCst) > 0 {
        add_watch(py);
    }
    Ok(())
}

/// Call a handle callback an application loop was given:
/// `callback(watch, fd, events, opaque)`.
#[pyfunction]
#[pyo3(name = "virEventInvokeHandleCallback")]
fn invoke_handle_callback(
    py: Python<'_>,
    watch: i64,
    fd: i64,
    events: i64,
    callback: Py<PyAny>,
    opaque: PyObject,
) -> PyResult<i32> {
    callback.call1(py, (watch, fd, events, opaque))?;
    Ok(0)
}

/// Call a timeout callback an application loop was given:
/// `callback(timer, opaque)`.
#[pyfunction]
#[pyo3(name = "virEventInvokeTimeoutCallback")]
fn invoke_timeout_callback(
    py: Python<'_>,
    timer: i64,
    callback: Py<PyAny>,
    opaque: PyObject,
) -> PyResult<i32> {
    callback.call1(py, (timer, opaque))?;
    Ok(0)
}

/// Release what a removed handle or timeout held: with this module the
/// loop's Python references are all there is, so nothing is left to do.
#[pyfunction]
#[pyo3(name = "virEventInvokeFreeCallback")]
fn invoke_free_callback(opaque: PyObject) -> i32 {
    drop(opaque);
    0
}

/// `(registrations, deliveries waiting)`: what libvirtaio's `is_idle`
/// looks at.
#[pyfunction]
#[pyo3(name = "_virEventState")]
fn event_state() -> (usize, usize) {
    (REGISTRATIONS.load(Ordering::SeqCst), queue().len())
}

/// The error for a callback id no registration has.
pub(super) fn not_registered(py: Python<'_>, id: i32) -> PyErr {
    binding_error(
        py,
        ErrorCode::InvalidArg,
        &format!("could not find event callback {id} for deletion"),
    )
}

/// Add the event functions to the module.
pub(super) fn add_functions(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(register_default_impl, m)?)?;
    m.add_function(wrap_pyfunction!(run_default_impl, m)?)?;
    m.add_function(wrap_pyfunction!(register_impl, m)?)?;
    m.add_function(wrap_pyfunction!(invoke_handle_callback, m)?)?;
    m.add_function(wrap_pyfunction!(invoke_timeout_callback, m)?)?;
    m.add_function(wrap_pyfunction!(invoke_free_callback, m)?)?;
    m.add_function(wrap_pyfunction!(handle_ready, m)?)?;
    m.add_function(wrap_pyfunction!(event_state, m)?)?;
    Ok(())
}

/// A stream's `eventAddCallback` registration.
pub(super) struct StreamWatch {
    stream: Py<PyStream>,
    events: i32,
    callback: Py<PyAny>,
    opaque: Py<PyAny>,
    /// Queued for the loop and not run yet (one entry per stream is
    /// enough: the callback is told what holds when it runs).
    queued: bool,
}

/// Where a stream keeps its registration; its reader thread holds it too,
/// to queue the stream when data comes.
#[derive(Default)]
pub(super) struct WatchSlot(Mutex<Option<StreamWatch>>);

impl WatchSlot {
    fn lock(&self) -> MutexGuard<'_, Option<StreamWatch>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Queue the stream of `slot` for its callback, unless it has none or is
/// queued already.
pub(super) fn stream_changed(slot: &Arc<WatchSlot>) {
    {
        let mut w = slot.lock();
        match w.as_mut() {
            Some(w) if !w.queued => w.queued = true,
            _ => return,
        }
    }
    push_work(Work::Stream(slot.clone()));
}

/// Call the stream's callback with the events that hold and it waits for;
/// true when some still hold afterwards.
fn tell_stream(py: Python<'_>, slot: &Arc<WatchSlot>) -> bool {
    let (stream, callback, opaque, ready) = {
        let mut w = slot.lock();
        let Some(w) = w.as_mut() else { return false };
        w.queued = false;
        let ready = w.stream.get().ready_events() & w.events;
        (
            w.stream.clone_ref(py),
            w.callback.clone_ref(py),
            w.opaque.clone_ref(py),
            ready,
        )
    };
    if ready == 0 {
        return false;
    }
    if let Err(e) = callback.call1(py, (stream.clone_ref(py), ready, opaque)) {
        e.write_unraisable(py, Some(callback.bind(py)));
    }
    let mut w = slot.lock();
    match w.as_mut() {
        Some(w) if !w.queued && w.stream.get().ready_events() & w.events != 0 => {
            w.queued = true;
            true
        }
        _ => false,
    }
}

/// `virStream.eventAddCallback`: one callback per stream, as libvirt's.
pub(super) fn stream_watch_add(
    slf: &Bound<'_, PyStream>,
    events: i32,
    callback: Py<PyAny>,
    opaque: Py<PyAny>,
) -> PyResult<()> {
    let py = slf.py();
    if !callback.bind(py).is_callable() {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "stream event callback must be callable",
        ));
    }
    if !slf.get().stream().is_attached() {
        return Err(super::error::raise(
            py,
            virt_core::Error::no_support("virStreamEventAddCallback"),
        ));
    }
    let slot = slf.get().watch_slot();
    {
        let mut w = slot.lock();
        if w.is_some() {
            return Err(slf
                .get()
                .callback_error(py, "virStreamEventAddCallback", true));
        }
        *w = Some(StreamWatch {
            stream: slf.clone().unbind(),
            events,
            callback,
            opaque,
            queued: false,
        });
    }
    let before = REGISTRATIONS.fetch_add(1, Ordering::SeqCst);
    count_changed(py, before, before + 1);
    PyStream::start_pump(slf);
    stream_changed(&slot);
    Ok(())
}

/// `virStream.eventUpdateCallback`.
pub(super) fn stream_watch_update(slf: &Bound<'_, PyStream>, events: i32) -> PyResult<()> {
    let slot = slf.get().watch_slot();
    match slot.lock().as_mut() {
        Some(w) => w.events = events,
        None => {
            let me = slf.get();
            return Err(me.callback_error(slf.py(), "virStreamEventUpdateCallback", false));
        }
    }
    stream_changed(&slot);
    Ok(())
}

/// `virStream.eventRemoveCallback`.
pub(super) fn stream_watch_remove(slf: &Bound<'_, PyStream>) -> PyResult<()> {
    let py = slf.py();
    let gone = slf.get().watch_slot().lock().take();
    if gone.is_none() {
        return Err(slf
            .get()
            .callback_error(py, "virStreamEventRemoveCallback", false));
    }
    drop(gone);
    let before = REGISTRATIONS.fetch_sub(1, Ordering::SeqCst);
    count_changed(py, before, before - 1);
    Ok(())
}
