//! `virConnect` and the module functions that open one.

use super::convert::as_list;
use super::domain::PyDomain;
use super::error::{binding_error, call, non_null, raise};
use super::events::{self, ConnEvents};
use super::handle::ConnObject;
use super::host::{PyInterface, PyNodeDevice};
use super::storage::{PyNetwork, PyStoragePool, PyStorageVol};
use super::stream::PyStream;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::sync::{Arc, Mutex, RwLock};
use virt_core::Topic;
use virt_core::{Connect, ErrorCode, Network, StoragePool, Uuid};

/// `VIR_CONNECT_RO`, the read-only bit of `openAuth`'s flags.
const CONNECT_RO: u32 = 1;
/// `VIR_CONNECT_LIST_NETWORKS_ACTIVE` / `_INACTIVE` (and the same bits for
/// storage pools), for the older name-list calls.
const LIST_ACTIVE: u32 = 2;
const LIST_INACTIVE: u32 = 1;

/// A connection to a hypervisor (libvirt-python's `virConnect`).
#[pyclass(name = "virConnect", module = "libvirt", frozen)]
pub struct PyConnect {
    /// `None` once closed.
    conn: RwLock<Option<Connect>>,
    /// One count for this object and one per handle made from it, so
    /// `close()` returns what libvirt's reference count would.
    refs: Arc<()>,
    /// Event registrations and the close callback.
    events: Mutex<Option<ConnEvents>>,
}

impl PyConnect {
    fn new(conn: Connect) -> Self {
        PyConnect {
            conn: RwLock::new(Some(conn)),
            refs: Arc::new(()),
            events: Mutex::new(None),
        }
    }

    /// The open connection, if it is.
    pub(super) fn connect(&self) -> Option<Connect> {
        self.conn.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Run `f` on the open connection and its event state.
    pub(super) fn with_events<T>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Connect, &mut Option<ConnEvents>) -> PyResult<T>,
    ) -> PyResult<T> {
        self.with(py, |c| {
            let mut ev = self.events.lock().unwrap_or_else(|p| p.into_inner());
            f(c, &mut ev)
        })
    }

    /// Run `f` on the open connection, or raise "invalid connection".
    fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&Connect) -> PyResult<T>) -> PyResult<T> {
        let g = self.conn.read().unwrap_or_else(|p| p.into_inner());
        match g.as_ref() {
            Some(c) => f(c),
            None => Err(binding_error(
                py,
                ErrorCode::InvalidConn,
                "connection closed",
            )),
        }
    }

    /// Run the driver call `f` on the open connection with the GIL
    /// released: what nearly every method does.
    pub(super) fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Connect) -> virt_core::Result<T> + Send,
    ) -> PyResult<T> {
        self.with(py, |c| call(py, || f(c)))
    }

    /// A reference token for a handle made from this connection.
    pub(super) fn token(&self) -> Arc<()> {
        self.refs.clone()
    }
}

/// `domainEventRegisterAny` and `networkEventRegisterAny`: register `cb`
/// for the events `topic(id)` of `object` (every object when None), once
/// `id` is known to be below `last` (else libvirt's error, whose words
/// name the kind of object with `what`).
fn register_any(
    slf: &Bound<'_, PyConnect>,
    (id, last, what): (i32, u32, &str),
    topic: fn(u32) -> Topic,
    object: Option<Uuid>,
    (cb, opaque): (Py<PyAny>, Py<PyAny>),
) -> PyResult<i32> {
    let id = u32::try_from(id)
        .ok()
        .filter(|&i| i < last)
        .ok_or_else(|| {
            binding_error(
                slf.py(),
                ErrorCode::InvalidArg,
                &format!("unsupported {what}event ID {id}"),
            )
        })?;
    events::register(slf, topic(id), object, cb, opaque)
}

/// Remove the registration `id` of a kind `kind` picks.
fn deregister_any(slf: &Bound<'_, PyConnect>, id: i32, kind: fn(&Topic) -> bool) -> PyResult<i32> {
    match events::deregister(slf, |i, t, _| i == id && kind(t))? {
        0 => Err(events::not_registered(slf.py(), id)),
        _ => Ok(0),
    }
}

/// The object of `slf` that the driver call `f` finds or makes.
fn object<W: ConnObject>(
    slf: &Bound<'_, PyConnect>,
    f: impl FnOnce(&Connect) -> virt_core::Result<W::Handle> + Send,
) -> PyResult<Py<W>> {
    let handle = slf.get().run(slf.py(), f)?;
    W::wrap(slf, handle)
}

/// The objects of `slf` that the listing call `f` answers.
fn objects<W: ConnObject>(
    slf: &Bound<'_, PyConnect>,
    f: impl FnOnce(&Connect) -> virt_core::Result<Vec<W::Handle>> + Send,
) -> PyResult<Vec<Py<W>>> {
    let all = slf.get().run(slf.py(), f)?;
    all.into_iter().map(|h| W::wrap(slf, h)).collect()
}

/// The shape of the lookups and definitions: one string argument that
/// libvirt refuses as NULL (`arg` of function `api`), and the driver call
/// `f` with it.
fn by_string<W: ConnObject>(
    slf: &Bound<'_, PyConnect>,
    value: Option<String>,
    (arg, api): (&str, &str),
    f: impl FnOnce(&Connect, &str) -> virt_core::Result<W::Handle> + Send,
) -> PyResult<Py<W>> {
    let value = non_null(slf.py(), value, arg, api)?;
    object(slf, |c| f(c, &value))
}

/// A UUID given as 16 raw bytes.
fn uuid_bytes(py: Python<'_>, uuid: &Bound<'_, PyBytes>) -> PyResult<Uuid> {
    Uuid::from_slice(uuid.as_bytes())
        .map_err(|_| binding_error(py, ErrorCode::InvalidArg, "a UUID is 16 bytes"))
}

/// A UUID string, parsed by the library before any driver sees it, as
/// libvirt's does. `api` refuses a malformed one in libvirt's words:
/// "uuidstr in API must be a valid UUID", or `words` where that function
/// says something else (virDomainLookupByUUIDString's "Invalid UUID").
fn uuid_string(
    py: Python<'_>,
    uuidstr: Option<String>,
    api: &str,
    words: Option<&str>,
) -> PyResult<(String, Uuid)> {
    let uuidstr = non_null(py, uuidstr, "uuidstr", api)?;
    match virt_core::parse_uuid(&uuidstr) {
        Ok(u) => Ok((uuidstr, u)),
        Err(_) => {
            let message = match words {
                Some(w) => w.to_string(),
                None => format!("uuidstr in {api} must be a valid UUID"),
            };
            let e = virt_core::Error::invalid_arg(api, "uuidstr", message);
            Err(raise(py, e))
        }
    }
}

fn open_uri(py: Python<'_>, name: Option<String>, read_only: bool) -> PyResult<PyConnect> {
    let uri = name.unwrap_or_default();
    let conn = call(py, || {
        if read_only {
            Connect::open_read_only(&uri)
        } else {
            Connect::open(&uri)
        }
    })?;
    Ok(PyConnect::new(conn))
}

/// Open a read-write connection; `None` means the default URI
/// (`LIBVIRT_DEFAULT_URI`, else the first driver's, `test:///default`).
#[pyfunction]
#[pyo3(signature = (name = None))]
pub(super) fn open(py: Python<'_>, name: Option<String>) -> PyResult<PyConnect> {
    open_uri(py, name, false)
}

/// Open a read-only connection: every change is refused.
#[pyfunction]
#[pyo3(name = "openReadOnly", signature = (name = None))]
pub(super) fn open_read_only(py: Python<'_>, name: Option<String>) -> PyResult<PyConnect> {
    open_uri(py, name, true)
}

/// Open with credentials: `auth` is `[credential types, callback, opaque]`.
/// A driver that needs credentials calls `callback(creds, opaque)` with
/// `creds` a list of `[type, prompt, challenge, defresult, result]` lists
/// whose `result` the callback fills in, returning 0 (or -1 to refuse), as
/// libvirt-python's; `VIR_CONNECT_RO` in `flags` opens read-only.
#[pyfunction]
#[pyo3(name = "openAuth", signature = (uri, auth, flags = 0))]
pub(super) fn open_auth(
    py: Python<'_>,
    uri: Option<String>,
    auth: &Bound<'_, PyAny>,
    flags: u32,
) -> PyResult<PyConnect> {
    let items: Vec<Bound<'_, PyAny>> = auth.extract()?;
    let ok = items.len() == 3 && (items[1].is_none() || items[1].is_callable());
    if !ok {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "openAuth: auth must be [credential types, callback, opaque]",
        ));
    }
    let types: Vec<i32> = items[0].extract()?;
    let callback: Option<Py<PyAny>> = (!items[1].is_none()).then(|| items[1].clone().unbind());
    let opaque = items[2].clone().unbind();
    let uri = uri.unwrap_or_default();
    let read_only = flags & CONNECT_RO != 0;
    let authenticator =
        virt_core::CallbackAuth::new(types, move |creds: &mut [virt_core::Credential]| {
            let Some(cb) = &callback else { return false };
            Python::with_gil(|py| ask_python(py, cb, &opaque, creds).unwrap_or(false))
        });
    let conn = call(py, move || {
        Connect::open_auth(&uri, Box::new(authenticator), read_only)
    })?;
    Ok(PyConnect::new(conn))
}

/// One round of libvirt-python's credential callback: true when it
/// returned 0; its answers are copied into `creds`. An exception in the
/// callback counts as a refusal (it is printed, as Python prints errors
/// it cannot raise).
fn ask_python(
    py: Python<'_>,
    cb: &Py<PyAny>,
    opaque: &Py<PyAny>,
    creds: &mut [virt_core::Credential],
) -> PyResult<bool> {
    let list = PyList::empty(py);
    for c in creds.iter() {
        let item = PyList::new(
            py,
            [
                c.kind.into_pyobject(py)?.into_any(),
                c.prompt.as_str().into_pyobject(py)?.into_any(),
                c.challenge.as_deref().into_pyobject(py)?.into_any(),
                c.default.as_deref().into_pyobject(py)?.into_any(),
                py.None().into_bound(py),
            ],
        )?;
        list.append(item)?;
    }
    let ret = match cb.call1(py, (list.clone(), opaque.clone_ref(py))) {
        Ok(r) => r,
        Err(e) => {
            e.print(py);
            return Ok(false);
        }
    };
    let code: i32 = ret.extract(py).unwrap_or(-1);
    for (c, item) in creds.iter_mut().zip(list.iter()) {
        let answer = item.get_item(4)?;
        c.result = if answer.is_none() {
            None
        } else {
            Some(answer.extract::<String>()?)
        };
    }
    Ok(code == 0)
}

#[pymethods]
impl PyConnect {
    /// Close the connection. As libvirt's `virConnectClose`: 1 when handles
    /// made from it still hold it open, 0 when it is gone, -1 when it was
    /// already closed.
    fn close(&self, py: Python<'_>) -> i32 {
        let ev = self.events.lock().unwrap_or_else(|p| p.into_inner()).take();
        events::forget(py, ev);
        let old = py.allow_threads(|| self.conn.write().unwrap_or_else(|p| p.into_inner()).take());
        if old.is_none() {
            return -1;
        }
        drop(old);
        i32::from(Arc::strong_count(&self.refs) > 1)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) {
        self.close(py);
    }

    /// The hypervisor type ("TEST", "QEMU", "Xen").
    #[pyo3(name = "getType")]
    fn get_type(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |c| Ok(c.type_name().to_string()))
    }

    /// The hypervisor's version, `major * 1000000 + minor * 1000 + micro`.
    #[pyo3(name = "getVersion")]
    fn get_version(&self, py: Python<'_>) -> PyResult<u64> {
        self.run(py, |c| c.version())
    }

    /// The library's version.
    #[pyo3(name = "getLibVersion")]
    fn get_lib_version(&self, py: Python<'_>) -> PyResult<u64> {
        self.run(py, |c| c.lib_version())
    }

    /// The node's host name.
    #[pyo3(name = "getHostname")]
    fn get_hostname(&self, py: Python<'_>) -> PyResult<String> {
        self.run(py, |c| c.hostname())
    }

    /// The connection's canonical URI.
    #[pyo3(name = "getURI")]
    fn get_uri(&self, py: Python<'_>) -> PyResult<String> {
        self.run(py, |c| c.uri())
    }

    /// The capabilities XML.
    #[pyo3(name = "getCapabilities")]
    fn get_capabilities(&self, py: Python<'_>) -> PyResult<String> {
        self.run(py, |c| c.capabilities())
    }

    /// The domain capabilities XML of an emulator binary, architecture,
    /// machine type and virtualization type (each `None`: the default).
    #[pyo3(
        name = "getDomainCapabilities",
        signature = (emulatorbin = None, arch = None, machine = None, virttype = None, flags = 0)
    )]
    fn get_domain_capabilities(
        &self,
        py: Python<'_>,
        emulatorbin: Option<String>,
        arch: Option<String>,
        machine: Option<String>,
        virttype: Option<String>,
        flags: u32,
    ) -> PyResult<String> {
        self.with(py, |c| {
            call(py, || {
                c.domain_capabilities(
                    emulatorbin.as_deref(),
                    arch.as_deref(),
                    machine.as_deref(),
                    virttype.as_deref(),
                    flags,
                )
            })
        })
    }

    /// The most vCPUs a guest of `type` may have.
    #[pyo3(name = "getMaxVcpus", signature = (r#type = None))]
    fn get_max_vcpus(&self, py: Python<'_>, r#type: Option<String>) -> PyResult<u32> {
        self.run(py, |c| c.max_vcpus(r#type.as_deref()))
    }

    /// `[model, memory MiB, cpus, MHz, NUMA nodes, sockets, cores, threads]`.
    #[pyo3(name = "getInfo")]
    fn get_info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let i = self.run(py, |c| c.node_info())?;
        let memory_mib = i.memory >> 10;
        as_list(
            py,
            (
                i.model, memory_mib, i.cpus, i.mhz, i.nodes, i.sockets, i.cores, i.threads,
            ),
        )
    }

    /// Free memory in bytes of NUMA cells `startCell..startCell+maxCells`.
    #[pyo3(name = "getCellsFreeMemory")]
    fn get_cells_free_memory(&self, py: Python<'_>, start: u32, max: u32) -> PyResult<Vec<u64>> {
        self.run(py, |c| c.node_cells_free_memory(start, max))
    }

    /// `(host CPUs, [online per CPU], number online)`.
    #[pyo3(name = "getCPUMap", signature = (flags = 0))]
    fn get_cpu_map(&self, py: Python<'_>, flags: u32) -> PyResult<(u32, Vec<bool>, u32)> {
        let _ = flags;
        let (n, map) = self.run(py, |c| c.node_cpu_map())?;
        let online: Vec<bool> = (0..n).map(|i| map.is_set(i)).collect();
        let count = u32::try_from(online.iter().filter(|b| **b).count()).unwrap_or(u32::MAX);
        Ok((n, online, count))
    }

    /// Free memory on the node, bytes.
    #[pyo3(name = "getFreeMemory")]
    fn get_free_memory(&self, py: Python<'_>) -> PyResult<u64> {
        self.run(py, |c| c.node_free_memory())
    }

    /// `[model, doi]` of the node's security driver.
    #[pyo3(name = "getSecurityModel")]
    fn get_security_model(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let m = self.run(py, |c| c.node_security_model())?;
        Ok(vec![m.model, m.doi])
    }

    /// The memory figures of NUMA cell `cellNum` (or of the whole node,
    /// `VIR_NODE_MEMORY_STATS_ALL_CELLS`), KiB by name ("total", "free",
    /// "buffers", "cached").
    #[pyo3(name = "getMemoryStats", signature = (cellNum, flags = 0))]
    #[allow(non_snake_case)] // libvirt-python's keyword name
    fn get_memory_stats<'py>(
        &self,
        py: Python<'py>,
        cellNum: i32,
        flags: u32,
    ) -> PyResult<Bound<'py, PyDict>> {
        let stats = self.run(py, |c| c.node_memory_stats(cellNum, flags))?;
        let d = PyDict::new(py);
        for s in stats {
            d.set_item(s.field, s.value)?;
        }
        Ok(d)
    }

    /// Call `cb(conn, dom, ..., opaque)` for each event `eventID`
    /// (`VIR_DOMAIN_EVENT_ID_*`) of `dom`, or of every domain when None,
    /// from the event loop; the callback id.
    #[pyo3(name = "domainEventRegisterAny")]
    fn domain_event_register_any(
        slf: &Bound<'_, Self>,
        dom: Option<Py<PyDomain>>,
        #[allow(non_snake_case)] eventID: i32,
        cb: Py<PyAny>,
        opaque: Py<PyAny>,
    ) -> PyResult<i32> {
        let object = dom.map(|d| d.bind(slf.py()).get().uuid_of());
        let id = (eventID, virt_core::events::domain_event_id::LAST, "");
        register_any(slf, id, Topic::Domain, object, (cb, opaque))
    }

    /// Remove a registration of `domainEventRegisterAny`.
    #[pyo3(name = "domainEventDeregisterAny")]
    fn domain_event_deregister_any(
        slf: &Bound<'_, Self>,
        #[allow(non_snake_case)] callbackID: i32,
    ) -> PyResult<i32> {
        deregister_any(slf, callbackID, |t| matches!(t, Topic::Domain(_)))
    }

    /// The oldest form: `cb(conn, dom, event, detail, opaque)` for every
    /// lifecycle event.
    #[pyo3(name = "domainEventRegister")]
    fn domain_event_register(
        slf: &Bound<'_, Self>,
        cb: Py<PyAny>,
        opaque: Py<PyAny>,
    ) -> PyResult<i32> {
        events::register(slf, Topic::Domain(0), None, cb, opaque).map(|_| 0)
    }

    /// Remove the `domainEventRegister` registrations of `cb`.
    #[pyo3(name = "domainEventDeregister")]
    fn domain_event_deregister(slf: &Bound<'_, Self>, cb: Py<PyAny>) -> PyResult<i32> {
        let py = slf.py();
        let target = cb.bind(py).clone();
        let n = events::deregister(slf, |_, t, c| {
            *t == Topic::Domain(0) && c.bind(py).eq(&target).unwrap_or(false)
        })?;
        match n {
            0 => Err(binding_error(
                py,
                ErrorCode::InvalidArg,
                "callback not registered",
            )),
            _ => Ok(0),
        }
    }

    /// Call `cb(conn, net, event, detail, opaque)` for each event
    /// `eventID` (`VIR_NETWORK_EVENT_ID_*`) of `net` or every network.
    #[pyo3(name = "networkEventRegisterAny")]
    fn network_event_register_any(
        slf: &Bound<'_, Self>,
        net: Option<Py<PyNetwork>>,
        #[allow(non_snake_case)] eventID: i32,
        cb: Py<PyAny>,
        opaque: Py<PyAny>,
    ) -> PyResult<i32> {
        let object = net.map(|n| n.bind(slf.py()).get().uuid_of());
        let id = (
            eventID,
            virt_core::events::network_event_id::LAST,
            "network ",
        );
        register_any(slf, id, Topic::Network, object, (cb, opaque))
    }

    /// Remove a registration of `networkEventRegisterAny`.
    #[pyo3(name = "networkEventDeregisterAny")]
    fn network_event_deregister_any(
        slf: &Bound<'_, Self>,
        #[allow(non_snake_case)] callbackID: i32,
    ) -> PyResult<i32> {
        deregister_any(slf, callbackID, |t| matches!(t, Topic::Network(_)))
    }

    /// Call `cb(conn, reason, opaque)` from the event loop when the
    /// connection ends for a reason of its own (`VIR_CONNECT_CLOSE_REASON_*`).
    #[pyo3(name = "registerCloseCallback")]
    fn register_close_callback(
        slf: &Bound<'_, Self>,
        cb: Py<PyAny>,
        opaque: Py<PyAny>,
    ) -> PyResult<i32> {
        events::set_close_callback(slf, Some((cb, opaque))).map(|()| 0)
    }

    /// Forget the close callback.
    #[pyo3(name = "unregisterCloseCallback")]
    fn unregister_close_callback(slf: &Bound<'_, Self>) -> PyResult<i32> {
        events::set_close_callback(slf, None).map(|()| 0)
    }

    /// 1 while the connection is open.
    #[pyo3(name = "isAlive")]
    fn is_alive(&self) -> i32 {
        i32::from(self.conn.read().map(|c| c.is_some()).unwrap_or(false))
    }

    /// Ids of the running domains.
    #[pyo3(name = "listDomainsID")]
    fn list_domains_id(&self, py: Python<'_>) -> PyResult<Vec<u32>> {
        self.run(py, |c| c.list_domains())
    }

    /// Number of running domains.
    #[pyo3(name = "numOfDomains")]
    fn num_of_domains(&self, py: Python<'_>) -> PyResult<u32> {
        self.run(py, |c| c.num_of_domains())
    }

    /// Names of the defined, inactive domains.
    #[pyo3(name = "listDefinedDomains")]
    fn list_defined_domains(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.run(py, |c| c.list_defined_domains())
    }

    /// Number of defined, inactive domains.
    #[pyo3(name = "numOfDefinedDomains")]
    fn num_of_defined_domains(&self, py: Python<'_>) -> PyResult<u32> {
        self.run(py, |c| c.num_of_defined_domains())
    }

    /// Every domain passing `flags` (`VIR_CONNECT_LIST_DOMAINS_*`).
    #[pyo3(name = "listAllDomains", signature = (flags = 0))]
    fn list_all_domains(slf: &Bound<'_, Self>, flags: u32) -> PyResult<Vec<Py<PyDomain>>> {
        objects(slf, |c| c.list_all_domains(flags))
    }

    /// Create and start a transient domain from XML.
    #[pyo3(name = "createXML", signature = (xmlDesc, flags = 0))]
    #[allow(non_snake_case)]
    fn create_xml(
        slf: &Bound<'_, Self>,
        xmlDesc: Option<String>,
        flags: u32,
    ) -> PyResult<Py<PyDomain>> {
        by_string(
            slf,
            xmlDesc,
            ("xmlDesc", "virDomainCreateXML"),
            |c, xmlDesc| c.create_xml(xmlDesc, flags),
        )
    }

    /// The old name of `createXML`.
    #[pyo3(name = "createLinux", signature = (xmlDesc, flags = 0))]
    #[allow(non_snake_case)]
    fn create_linux(
        slf: &Bound<'_, Self>,
        xmlDesc: Option<String>,
        flags: u32,
    ) -> PyResult<Py<PyDomain>> {
        Self::create_xml(slf, xmlDesc, flags)
    }

    /// Define (or redefine) a persistent domain from XML.
    #[pyo3(name = "defineXML")]
    fn define_xml(slf: &Bound<'_, Self>, xml: Option<String>) -> PyResult<Py<PyDomain>> {
        by_string(slf, xml, ("xml", "virDomainDefineXML"), |c, xml| {
            c.define_xml(xml)
        })
    }

    /// Define with flags (`VIR_DOMAIN_DEFINE_VALIDATE`).
    #[pyo3(name = "defineXMLFlags", signature = (xml, flags = 0))]
    fn define_xml_flags(
        slf: &Bound<'_, Self>,
        xml: Option<String>,
        flags: u32,
    ) -> PyResult<Py<PyDomain>> {
        by_string(slf, xml, ("xml", "virDomainDefineXMLFlags"), |c, xml| {
            c.define_xml_flags(xml, flags)
        })
    }

    /// The running domain with this id.
    #[pyo3(name = "lookupByID")]
    fn lookup_by_id(slf: &Bound<'_, Self>, id: i64) -> PyResult<Py<PyDomain>> {
        let py = slf.py();
        let Ok(id) = u32::try_from(id) else {
            let api = "virDomainLookupByID";
            let e = virt_core::Error::invalid_arg(
                api,
                "id",
                format!("id in {api} must be zero or greater"),
            );
            return Err(raise(py, e));
        };
        object(slf, |c| c.lookup_by_id(id))
    }

    /// The domain with this name.
    #[pyo3(name = "lookupByName")]
    fn lookup_by_name(slf: &Bound<'_, Self>, name: Option<String>) -> PyResult<Py<PyDomain>> {
        by_string(slf, name, ("name", "virDomainLookupByName"), |c, name| {
            c.lookup_by_name(name)
        })
    }

    /// The domain with this UUID (16 raw bytes).
    #[pyo3(name = "lookupByUUID")]
    fn lookup_by_uuid(slf: &Bound<'_, Self>, uuid: &Bound<'_, PyBytes>) -> PyResult<Py<PyDomain>> {
        let u = uuid_bytes(slf.py(), uuid)?;
        object(slf, |c| c.lookup_by_uuid(&u))
    }

    /// The domain with this UUID string.
    #[pyo3(name = "lookupByUUIDString")]
    fn lookup_by_uuid_string(
        slf: &Bound<'_, Self>,
        uuidstr: Option<String>,
    ) -> PyResult<Py<PyDomain>> {
        let api = "virDomainLookupByUUIDString";
        let (uuidstr, _) = uuid_string(slf.py(), uuidstr, api, Some("Invalid UUID"))?;
        object(slf, |c| c.lookup_by_uuid_string(&uuidstr))
    }

    /// Restore a domain saved to the file `frm`; returns 0.
    fn restore(&self, py: Python<'_>, frm: Option<String>) -> PyResult<i32> {
        let frm = non_null(py, frm, "from", "virDomainRestore")?;
        self.run(py, |c| c.restore(&frm))?;
        Ok(0)
    }

    /// Restore with flags and optionally a replacement definition; returns 0.
    #[pyo3(name = "restoreFlags", signature = (frm, dxml = None, flags = 0))]
    fn restore_flags(
        &self,
        py: Python<'_>,
        frm: String,
        dxml: Option<String>,
        flags: u32,
    ) -> PyResult<i32> {
        self.run(py, |c| c.restore_flags(&frm, dxml.as_deref(), flags))?;
        Ok(0)
    }

    /// Every host interface passing `flags`.
    #[pyo3(name = "listAllInterfaces", signature = (flags = 0))]
    fn list_all_interfaces(slf: &Bound<'_, Self>, flags: u32) -> PyResult<Vec<Py<PyInterface>>> {
        objects(slf, |c| c.list_all_interfaces(flags))
    }

    /// The host interface with this name.
    #[pyo3(name = "interfaceLookupByName")]
    fn interface_lookup_by_name(
        slf: &Bound<'_, Self>,
        name: Option<String>,
    ) -> PyResult<Py<PyInterface>> {
        by_string(
            slf,
            name,
            ("name", "virInterfaceLookupByName"),
            |c, name| c.interface_lookup_by_name(name),
        )
    }

    /// The host interface with this MAC address.
    #[pyo3(name = "interfaceLookupByMACString")]
    fn interface_lookup_by_mac_string(
        slf: &Bound<'_, Self>,
        macstr: Option<String>,
    ) -> PyResult<Py<PyInterface>> {
        by_string(
            slf,
            macstr,
            ("macstr", "virInterfaceLookupByMACString"),
            |c, mac| c.interface_lookup_by_mac_string(mac),
        )
    }

    /// Define (or redefine) a host interface.
    #[pyo3(name = "interfaceDefineXML", signature = (xml, flags = 0))]
    fn interface_define_xml(
        slf: &Bound<'_, Self>,
        xml: Option<String>,
        flags: u32,
    ) -> PyResult<Py<PyInterface>> {
        by_string(slf, xml, ("xml", "virInterfaceDefineXML"), |c, xml| {
            c.interface_define_xml(xml, flags)
        })
    }

    /// Names of the active host interfaces.
    #[pyo3(name = "listInterfaces")]
    fn list_interfaces(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.run(py, |c| c.list_interfaces())
    }

    /// Names of the inactive host interfaces.
    #[pyo3(name = "listDefinedInterfaces")]
    fn list_defined_interfaces(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.run(py, |c| c.list_defined_interfaces())
    }

    /// Number of active host interfaces.
    #[pyo3(name = "numOfInterfaces")]
    fn num_of_interfaces(&self, py: Python<'_>) -> PyResult<u32> {
        self.run(py, |c| c.num_of_interfaces())
    }

    /// Number of inactive host interfaces.
    #[pyo3(name = "numOfDefinedInterfaces")]
    fn num_of_defined_interfaces(&self, py: Python<'_>) -> PyResult<u32> {
        self.run(py, |c| c.num_of_defined_interfaces())
    }

    /// Begin an interface change transaction; returns 0.
    #[pyo3(name = "changeBegin", signature = (flags = 0))]
    fn change_begin(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        self.run(py, |c| c.interface_change_begin(flags))
            .map(|()| 0)
    }

    /// Keep the transaction's interface changes; returns 0.
    #[pyo3(name = "changeCommit", signature = (flags = 0))]
    fn change_commit(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        self.run(py, |c| c.interface_change_commit(flags))
            .map(|()| 0)
    }

    /// Undo the transaction's interface changes; returns 0.
    #[pyo3(name = "changeRollback", signature = (flags = 0))]
    fn change_rollback(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        self.run(py, |c| c.interface_change_rollback(flags))
            .map(|()| 0)
    }

    /// Every node device passing `flags`.
    #[pyo3(name = "listAllDevices", signature = (flags = 0))]
    fn list_all_devices(slf: &Bound<'_, Self>, flags: u32) -> PyResult<Vec<Py<PyNodeDevice>>> {
        objects(slf, |c| c.list_all_node_devices(flags))
    }

    /// Names of the node devices, those with capability `cap` when given.
    #[pyo3(name = "listDevices", signature = (cap, flags = 0))]
    fn list_devices(
        &self,
        py: Python<'_>,
        cap: Option<String>,
        flags: u32,
    ) -> PyResult<Vec<String>> {
        self.run(py, |c| c.node_list_devices(cap.as_deref(), flags))
    }

    /// Number of node devices, those with capability `cap` when given.
    #[pyo3(name = "numOfDevices", signature = (cap, flags = 0))]
    fn num_of_devices(&self, py: Python<'_>, cap: Option<String>, flags: u32) -> PyResult<u32> {
        self.run(py, |c| c.node_num_of_devices(cap.as_deref(), flags))
    }

    /// The node device with this name.
    #[pyo3(name = "nodeDeviceLookupByName")]
    fn node_device_lookup_by_name(
        slf: &Bound<'_, Self>,
        name: Option<String>,
    ) -> PyResult<Py<PyNodeDevice>> {
        by_string(
            slf,
            name,
            ("name", "virNodeDeviceLookupByName"),
            |c, name| c.node_device_lookup_by_name(name),
        )
    }

    /// Create a transient node device from XML.
    #[pyo3(name = "nodeDeviceCreateXML", signature = (xmlDesc, flags = 0))]
    #[allow(non_snake_case)] // libvirt-python's keyword name
    fn node_device_create_xml(
        slf: &Bound<'_, Self>,
        xmlDesc: Option<String>,
        flags: u32,
    ) -> PyResult<Py<PyNodeDevice>> {
        by_string(
            slf,
            xmlDesc,
            ("xmlDesc", "virNodeDeviceCreateXML"),
            |c, xml| c.node_device_create_xml(xml, flags),
        )
    }

    /// Define a persistent node device from XML.
    #[pyo3(name = "nodeDeviceDefineXML", signature = (xml, flags = 0))]
    fn node_device_define_xml(
        slf: &Bound<'_, Self>,
        xml: Option<String>,
        flags: u32,
    ) -> PyResult<Py<PyNodeDevice>> {
        by_string(slf, xml, ("xml", "virNodeDeviceDefineXML"), |c, xml| {
            c.node_device_define_xml(xml, flags)
        })
    }

    /// Every virtual network passing `flags`.
    #[pyo3(name = "listAllNetworks", signature = (flags = 0))]
    fn list_all_networks(slf: &Bound<'_, Self>, flags: u32) -> PyResult<Vec<Py<PyNetwork>>> {
        objects(slf, |c| c.list_all_networks(flags))
    }

    /// The virtual network with this name.
    #[pyo3(name = "networkLookupByName")]
    fn network_lookup_by_name(
        slf: &Bound<'_, Self>,
        name: Option<String>,
    ) -> PyResult<Py<PyNetwork>> {
        by_string(slf, name, ("name", "virNetworkLookupByName"), |c, name| {
            c.network_lookup_by_name(name)
        })
    }

    /// The virtual network with this UUID (16 raw bytes).
    #[pyo3(name = "networkLookupByUUID")]
    fn network_lookup_by_uuid(
        slf: &Bound<'_, Self>,
        uuid: &Bound<'_, PyBytes>,
    ) -> PyResult<Py<PyNetwork>> {
        let u = uuid_bytes(slf.py(), uuid)?;
        object(slf, |c| c.network_lookup_by_uuid(&u))
    }

    /// The virtual network with this UUID string.
    #[pyo3(name = "networkLookupByUUIDString")]
    fn network_lookup_by_uuid_string(
        slf: &Bound<'_, Self>,
        uuidstr: Option<String>,
    ) -> PyResult<Py<PyNetwork>> {
        let api = "virNetworkLookupByUUIDString";
        let (_, u) = uuid_string(slf.py(), uuidstr, api, None)?;
        object(slf, |c| c.network_lookup_by_uuid(&u))
    }

    /// Define (or redefine) a persistent virtual network from XML.
    #[pyo3(name = "networkDefineXML")]
    fn network_define_xml(slf: &Bound<'_, Self>, xml: Option<String>) -> PyResult<Py<PyNetwork>> {
        by_string(slf, xml, ("xml", "virNetworkDefineXML"), |c, xml| {
            c.network_define_xml(xml, 0)
        })
    }

    /// Define with flags (`VIR_NETWORK_DEFINE_VALIDATE`).
    #[pyo3(name = "networkDefineXMLFlags", signature = (xml, flags = 0))]
    fn network_define_xml_flags(
        slf: &Bound<'_, Self>,
        xml: Option<String>,
        flags: u32,
    ) -> PyResult<Py<PyNetwork>> {
        by_string(slf, xml, ("xml", "virNetworkDefineXMLFlags"), |c, xml| {
            c.network_define_xml(xml, flags)
        })
    }

    /// Create and start a transient virtual network from XML.
    #[pyo3(name = "networkCreateXML")]
    #[allow(non_snake_case)] // libvirt-python's keyword name
    fn network_create_xml(
        slf: &Bound<'_, Self>,
        xmlDesc: Option<String>,
    ) -> PyResult<Py<PyNetwork>> {
        by_string(
            slf,
            xmlDesc,
            ("xmlDesc", "virNetworkCreateXML"),
            |c, xml| c.network_create_xml(xml, 0),
        )
    }

    /// Create with flags (`VIR_NETWORK_CREATE_VALIDATE`).
    #[pyo3(name = "networkCreateXMLFlags", signature = (xmlDesc, flags = 0))]
    #[allow(non_snake_case)] // libvirt-python's keyword name
    fn network_create_xml_flags(
        slf: &Bound<'_, Self>,
        xmlDesc: Option<String>,
        flags: u32,
    ) -> PyResult<Py<PyNetwork>> {
        let api = ("xmlDesc", "virNetworkCreateXMLFlags");
        by_string(slf, xmlDesc, api, |c, xml| c.network_create_xml(xml, flags))
    }

    /// Names of the active networks.
    #[pyo3(name = "listNetworks")]
    fn list_networks(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.names(py, |c| c.list_all_networks(LIST_ACTIVE), Network::name)
    }

    /// Names of the inactive networks.
    #[pyo3(name = "listDefinedNetworks")]
    fn list_defined_networks(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.names(py, |c| c.list_all_networks(LIST_INACTIVE), Network::name)
    }

    /// Number of active networks.
    #[pyo3(name = "numOfNetworks")]
    fn num_of_networks(&self, py: Python<'_>) -> PyResult<usize> {
        self.names(py, |c| c.list_all_networks(LIST_ACTIVE), Network::name)
            .map(|n| n.len())
    }

    /// Number of inactive networks.
    #[pyo3(name = "numOfDefinedNetworks")]
    fn num_of_defined_networks(&self, py: Python<'_>) -> PyResult<usize> {
        self.names(py, |c| c.list_all_networks(LIST_INACTIVE), Network::name)
            .map(|n| n.len())
    }

    /// Every storage pool passing `flags`.
    #[pyo3(name = "listAllStoragePools", signature = (flags = 0))]
    fn list_all_storage_pools(
        slf: &Bound<'_, Self>,
        flags: u32,
    ) -> PyResult<Vec<Py<PyStoragePool>>> {
        objects(slf, |c| c.list_all_storage_pools(flags))
    }

    /// The storage pool with this name.
    #[pyo3(name = "storagePoolLookupByName")]
    fn storage_pool_lookup_by_name(
        slf: &Bound<'_, Self>,
        name: Option<String>,
    ) -> PyResult<Py<PyStoragePool>> {
        by_string(
            slf,
            name,
            ("name", "virStoragePoolLookupByName"),
            |c, name| c.storage_pool_lookup_by_name(name),
        )
    }

    /// The storage pool with this UUID (16 raw bytes).
    #[pyo3(name = "storagePoolLookupByUUID")]
    fn storage_pool_lookup_by_uuid(
        slf: &Bound<'_, Self>,
        uuid: &Bound<'_, PyBytes>,
    ) -> PyResult<Py<PyStoragePool>> {
        let u = uuid_bytes(slf.py(), uuid)?;
        object(slf, |c| c.storage_pool_lookup_by_uuid(&u))
    }

    /// The storage pool with this UUID string.
    #[pyo3(name = "storagePoolLookupByUUIDString")]
    fn storage_pool_lookup_by_uuid_string(
        slf: &Bound<'_, Self>,
        uuidstr: Option<String>,
    ) -> PyResult<Py<PyStoragePool>> {
        let api = "virStoragePoolLookupByUUIDString";
        let (_, u) = uuid_string(slf.py(), uuidstr, api, None)?;
        object(slf, |c| c.storage_pool_lookup_by_uuid(&u))
    }

    /// Define a persistent storage pool from XML.
    #[pyo3(name = "storagePoolDefineXML", signature = (xml, flags = 0))]
    fn storage_pool_define_xml(
        slf: &Bound<'_, Self>,
        xml: Option<String>,
        flags: u32,
    ) -> PyResult<Py<PyStoragePool>> {
        by_string(slf, xml, ("xml", "virStoragePoolDefineXML"), |c, xml| {
            c.storage_pool_define_xml(xml, flags)
        })
    }

    /// Create and start a transient storage pool from XML.
    #[pyo3(name = "storagePoolCreateXML", signature = (xmlDesc, flags = 0))]
    #[allow(non_snake_case)]
    fn storage_pool_create_xml(
        slf: &Bound<'_, Self>,
        xmlDesc: Option<String>,
        flags: u32,
    ) -> PyResult<Py<PyStoragePool>> {
        by_string(
            slf,
            xmlDesc,
            ("xmlDesc", "virStoragePoolCreateXML"),
            |c, xml| c.storage_pool_create_xml(xml, flags),
        )
    }

    /// The storage volume with this key.
    #[pyo3(name = "storageVolLookupByKey")]
    fn storage_vol_lookup_by_key(
        slf: &Bound<'_, Self>,
        key: Option<String>,
    ) -> PyResult<Py<PyStorageVol>> {
        by_string(slf, key, ("key", "virStorageVolLookupByKey"), |c, key| {
            c.storage_vol_lookup_by_key(key)
        })
    }

    /// The storage volume at this path.
    #[pyo3(name = "storageVolLookupByPath")]
    fn storage_vol_lookup_by_path(
        slf: &Bound<'_, Self>,
        path: Option<String>,
    ) -> PyResult<Py<PyStorageVol>> {
        by_string(
            slf,
            path,
            ("path", "virStorageVolLookupByPath"),
            |c, path| c.storage_vol_lookup_by_path(path),
        )
    }

    /// Names of the active storage pools.
    #[pyo3(name = "listStoragePools")]
    fn list_storage_pools(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.names(
            py,
            |c| c.list_all_storage_pools(LIST_ACTIVE),
            StoragePool::name,
        )
    }

    /// Names of the inactive storage pools.
    #[pyo3(name = "listDefinedStoragePools")]
    fn list_defined_storage_pools(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.names(
            py,
            |c| c.list_all_storage_pools(LIST_INACTIVE),
            StoragePool::name,
        )
    }

    /// Number of active storage pools.
    #[pyo3(name = "numOfStoragePools")]
    fn num_of_storage_pools(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self
            .names(
                py,
                |c| c.list_all_storage_pools(LIST_ACTIVE),
                StoragePool::name,
            )?
            .len())
    }

    /// Number of inactive storage pools.
    #[pyo3(name = "numOfDefinedStoragePools")]
    fn num_of_defined_storage_pools(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self
            .names(
                py,
                |c| c.list_all_storage_pools(LIST_INACTIVE),
                StoragePool::name,
            )?
            .len())
    }

    /// A new stream (`VIR_STREAM_NONBLOCK` in `flags` for one whose
    /// `recv` never waits), for a call such as `virStorageVol.upload` to
    /// attach.
    #[pyo3(name = "newStream", signature = (flags = 0))]
    fn new_stream(slf: &Bound<'_, Self>, flags: u32) -> PyResult<Py<PyStream>> {
        object(slf, |c| c.new_stream(flags))
    }

    /// This connection's last error as libvirt-python's tuple, or None.
    #[pyo3(name = "virConnGetLastError")]
    fn conn_get_last_error<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<Bound<'py, pyo3::types::PyTuple>>> {
        let e = self.with(py, |c| Ok(c.last_error()))?;
        e.map(|e| super::error::err_tuple(py, &e)).transpose()
    }

    /// Forget this connection's last error.
    #[pyo3(name = "virConnResetLastError")]
    fn conn_reset_last_error(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |c| {
            c.reset_last_error();
            Ok(())
        })
    }
}

impl PyConnect {
    /// The names of what the listing call `f` answers: libvirt's older
    /// calls (`listNetworks`, `numOfDefinedStoragePools`, ...) as its
    /// library answers them, from the list of objects.
    fn names<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Connect) -> virt_core::Result<Vec<T>> + Send,
        name: fn(&T) -> &str,
    ) -> PyResult<Vec<String>> {
        let all = self.run(py, f)?;
        Ok(all.iter().map(|t| name(t).to_string()).collect())
    }
}
