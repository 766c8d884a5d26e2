//! `virDomain`.

use super::connect::PyConnect;
use super::convert::{as_list, cpumap_from_py, cpumap_tuple, params_dict, params_from_dict};
use super::error::{binding_error, call};
use super::handle::{ConnObject, ConnTie};
use super::moment::{self, PyDomainCheckpoint, PyDomainSnapshot};
use super::stream::PyStream;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use std::sync::RwLock;
use virt_core::{Domain, ErrorCode};

/// A domain (libvirt-python's `virDomain`). Like libvirt-python's, two
/// handles of one domain are distinct objects: they compare and hash by
/// identity.
#[pyclass(name = "virDomain", module = "libvirt", frozen)]
pub struct PyDomain {
    /// Behind a lock because start, destroy, save and restore change the
    /// handle's id.
    dom: RwLock<Domain>,
    conn: ConnTie,
}

impl PyDomain {
    /// Its UUID (the object an event registration concerns).
    pub(super) fn uuid_of(&self) -> virt_core::Uuid {
        self.read(Domain::uuid)
    }

    fn read<T>(&self, f: impl FnOnce(&Domain) -> T) -> T {
        f(&self.dom.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Run a call that changes the handle (its id) with the GIL released,
    /// on a copy, and keep the copy when it succeeds.
    fn change(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Domain) -> virt_core::Result<()> + Send,
    ) -> PyResult<i32> {
        let mut d = self.read(Domain::clone);
        let d = call(py, move || f(&mut d).map(|()| d))?;
        *self.dom.write().unwrap_or_else(|p| p.into_inner()) = d;
        Ok(0)
    }

    /// Host CPUs a CPU map covers, as libvirt-python sizes its tuples: the
    /// node's CPU map, else the node info's `VIR_NODEINFO_MAXCPUS`.
    fn host_cpus(&self, py: Python<'_>) -> PyResult<u32> {
        let d = self.read(Domain::clone);
        call(py, move || {
            let c = d.connect();
            c.node_cpu_map()
                .map(|(n, _)| n)
                .or_else(|_| c.node_info().map(|i| i.max_cpus()))
        })
    }
}

impl ConnObject for PyDomain {
    type Handle = Domain;
    fn wrap(conn: &Bound<'_, PyConnect>, dom: Domain) -> PyResult<Py<PyDomain>> {
        let dom = RwLock::new(dom);
        Py::new(
            conn.py(),
            PyDomain {
                dom,
                conn: ConnTie::to(conn),
            },
        )
    }
}

/// The shapes of calls returning 0 on success.
macro_rules! ok0 {
    ($self:ident, $py:ident, |$d:ident| $e:expr) => {{
        $self.read(|$d| call($py, || $e))?;
        Ok(0)
    }};
}

#[pymethods]
impl PyDomain {
    /// The domain's name.
    fn name(&self) -> String {
        self.read(|d| d.name().to_string())
    }

    /// The id while running, else -1.
    #[pyo3(name = "ID")]
    fn id(&self) -> i64 {
        self.read(|d| d.id().map_or(-1, i64::from))
    }

    /// The UUID, 16 raw bytes.
    #[pyo3(name = "UUID")]
    fn uuid<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        self.read(|d| PyBytes::new(py, d.uuid().as_bytes()))
    }

    /// The UUID as a dashed string.
    #[pyo3(name = "UUIDString")]
    fn uuid_string(&self) -> String {
        self.read(Domain::uuid_string)
    }

    /// The connection this domain was found on.
    fn connect(&self, py: Python<'_>) -> Py<PyConnect> {
        self.conn.get(py)
    }

    /// `[state, max memory KiB, memory KiB, vCPUs, CPU time ns]`.
    fn info(&self, py: Python<'_>) -> PyResult<Vec<u64>> {
        let i = self.read(|d| call(py, || d.info()))?;
        let state = u64::try_from(i.state.number()).unwrap_or(0);
        Ok(vec![
            state,
            i.max_mem,
            i.memory,
            u64::from(i.nr_virt_cpu),
            i.cpu_time,
        ])
    }

    /// `(rd_req, rd_bytes, wr_req, wr_bytes, errs)` of a disk (-1: not counted).
    #[pyo3(name = "blockStats")]
    fn block_stats(&self, py: Python<'_>, path: &str) -> PyResult<(i64, i64, i64, i64, i64)> {
        let s = self.read(|d| call(py, || d.block_stats(path)))?;
        Ok((s.rd_req, s.rd_bytes, s.wr_req, s.wr_bytes, s.errs))
    }

    /// `(rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets,
    /// tx_errs, tx_drop)` of an interface named by device or MAC.
    #[pyo3(name = "interfaceStats")]
    #[allow(clippy::type_complexity)] // libvirt-python's tuple, as it is.
    fn interface_stats(
        &self,
        py: Python<'_>,
        path: &str,
    ) -> PyResult<(i64, i64, i64, i64, i64, i64, i64, i64)> {
        let s = self.read(|d| call(py, || d.interface_stats(path)))?;
        Ok((
            s.rx_bytes,
            s.rx_packets,
            s.rx_errs,
            s.rx_drop,
            s.tx_bytes,
            s.tx_packets,
            s.tx_errs,
            s.tx_drop,
        ))
    }

    /// The memory statistics as a dict of libvirt-python's names
    /// (`actual`, `rss`, `unused`, ...).
    #[pyo3(name = "memoryStats")]
    fn memory_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let stats = self.read(|d| call(py, || d.memory_stats(virt_core::memory_stat::NR, 0)))?;
        let out = PyDict::new(py);
        for s in stats {
            if let Some(name) = virt_core::memory_stat::name(s.tag) {
                out.set_item(name, s.val)?;
            }
        }
        Ok(out)
    }

    /// `[capacity, allocation, physical]` of a disk, bytes.
    #[pyo3(name = "blockInfo", signature = (path, flags = 0))]
    fn block_info(&self, py: Python<'_>, path: &str, flags: u32) -> PyResult<Vec<u64>> {
        let i = self.read(|d| call(py, || d.block_info(path, flags)))?;
        Ok(vec![i.capacity, i.allocation, i.physical])
    }

    /// CPU time figures: with `total` one dict of the domain's total,
    /// else one dict per host CPU (empty where nothing was answered), as
    /// libvirt-python asks (`virDomainGetCPUStats`, 128 CPUs a call).
    #[pyo3(name = "getCPUStats", signature = (total, flags = 0))]
    fn get_cpu_stats<'py>(
        &self,
        py: Python<'py>,
        total: bool,
        flags: u32,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        if total {
            let n = self
                .read(|d| call(py, || d.cpu_stats(0, -1, 1, flags)))?
                .count;
            let params = match u32::try_from(n) {
                Ok(n) if n > 0 => {
                    self.read(|d| call(py, || d.cpu_stats(n, -1, 1, flags)))?
                        .params
                }
                _ => Vec::new(),
            };
            return Ok(vec![params_dict(py, &params)?]);
        }
        let ncpus = self
            .read(|d| call(py, || d.cpu_stats(0, 0, 0, flags)))?
            .count;
        let nparams = self
            .read(|d| call(py, || d.cpu_stats(0, 0, 1, flags)))?
            .count;
        let (ncpus, nparams) = (ncpus.max(0) as u32, nparams.max(0) as u32);
        let mut out = Vec::new();
        let mut start = 0u32;
        while start < ncpus {
            let batch = (ncpus - start).min(128);
            let got = if nparams > 0 {
                self.read(|d| call(py, || d.cpu_stats(nparams, start as i32, batch, flags)))?
            } else {
                virt_core::CpuStats::default()
            };
            let rows = got.per_cpu();
            for i in 0..batch as usize {
                out.push(params_dict(py, rows.get(i).copied().unwrap_or(&[]))?);
            }
            start += batch;
        }
        Ok(out)
    }

    /// `[type, timeElapsed, timeRemaining, dataTotal, dataProcessed,
    /// dataRemaining, memTotal, memProcessed, memRemaining, fileTotal,
    /// fileProcessed, fileRemaining]` of the background job.
    #[pyo3(name = "jobInfo")]
    fn job_info(&self, py: Python<'_>) -> PyResult<Vec<u64>> {
        let i = self.read(|d| call(py, || d.job_info()))?;
        Ok(vec![
            i.kind.max(0) as u64,
            i.time_elapsed,
            i.time_remaining,
            i.data_total,
            i.data_processed,
            i.data_remaining,
            i.mem_total,
            i.mem_processed,
            i.mem_remaining,
            i.file_total,
            i.file_processed,
            i.file_remaining,
        ])
    }

    /// The background job's figures as a dict, its kind under `type`.
    #[pyo3(name = "jobStats", signature = (flags = 0))]
    fn job_stats<'py>(&self, py: Python<'py>, flags: u32) -> PyResult<Bound<'py, PyDict>> {
        let s = self.read(|d| call(py, || d.job_stats(flags)))?;
        let out = params_dict(py, &s.params)?;
        out.set_item("type", s.kind)?;
        Ok(out)
    }

    /// Cancel the background job; returns 0.
    #[pyo3(name = "abortJob")]
    fn abort_job(&self, py: Python<'_>) -> PyResult<i32> {
        ok0!(self, py, |d| d.abort_job())
    }

    /// `[state, reason]`.
    #[pyo3(signature = (flags = 0))]
    fn state(&self, py: Python<'_>, flags: u32) -> PyResult<Vec<i32>> {
        let _ = flags;
        let (s, r) = self.read(|d| call(py, || d.state()))?;
        Ok(vec![s.number(), r])
    }

    /// The guest OS type ("linux", "hvm").
    #[pyo3(name = "OSType")]
    fn os_type(&self, py: Python<'_>) -> PyResult<String> {
        self.read(|d| call(py, || d.os_type()))
    }

    /// Maximum memory, KiB.
    #[pyo3(name = "maxMemory")]
    fn max_memory(&self, py: Python<'_>) -> PyResult<u64> {
        self.read(|d| call(py, || d.max_memory()))
    }

    /// Maximum vCPUs.
    #[pyo3(name = "maxVcpus")]
    fn max_vcpus(&self, py: Python<'_>) -> PyResult<u32> {
        self.read(|d| call(py, || d.max_vcpus()))
    }

    /// The domain XML (`VIR_DOMAIN_XML_*` flags).
    #[pyo3(name = "XMLDesc", signature = (flags = 0))]
    fn xml_desc(&self, py: Python<'_>, flags: u32) -> PyResult<String> {
        self.read(|d| call(py, || d.xml_desc(flags)))
    }

    /// Start the defined domain; returns 0.
    fn create(&self, py: Python<'_>) -> PyResult<i32> {
        self.change(py, Domain::create)
    }

    /// Start with flags (`VIR_DOMAIN_START_*`); returns 0.
    #[pyo3(name = "createWithFlags", signature = (flags = 0))]
    fn create_with_flags(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        self.change(py, move |d| d.create_with_flags(flags))
    }

    /// Stop at once; returns 0.
    fn destroy(&self, py: Python<'_>) -> PyResult<i32> {
        self.change(py, Domain::destroy)
    }

    /// Stop at once with flags; returns 0.
    #[pyo3(name = "destroyFlags", signature = (flags = 0))]
    fn destroy_flags(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        self.change(py, move |d| d.destroy_flags(flags))
    }

    /// Save the state to the file `to` and stop; returns 0.
    fn save(&self, py: Python<'_>, to: String) -> PyResult<i32> {
        self.change(py, move |d| d.save(&to))
    }

    /// Save with flags and optionally the definition to restore with.
    #[pyo3(name = "saveFlags", signature = (to, dxml = None, flags = 0))]
    fn save_flags(
        &self,
        py: Python<'_>,
        to: String,
        dxml: Option<String>,
        flags: u32,
    ) -> PyResult<i32> {
        self.change(py, move |d| d.save_flags_xml(&to, dxml.as_deref(), flags))
    }

    /// Save the state to the domain's managed save image and stop; returns 0.
    #[pyo3(name = "managedSave", signature = (flags = 0))]
    fn managed_save(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        self.change(py, move |d| d.managed_save(flags))
    }

    /// Discard the managed save image; returns 0.
    #[pyo3(name = "managedSaveRemove", signature = (flags = 0))]
    fn managed_save_remove(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.managed_save_remove(flags))
    }

    /// Dump the domain's core to the file `to`; returns 0.
    #[pyo3(name = "coreDump", signature = (to, flags = 0))]
    fn core_dump(&self, py: Python<'_>, to: String, flags: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.core_dump(&to, flags))
    }

    /// Dump core in a format (`VIR_DOMAIN_CORE_DUMP_FORMAT_*`); returns 0.
    #[pyo3(name = "coreDumpWithFormat", signature = (to, dumpformat, flags = 0))]
    fn core_dump_with_format(
        &self,
        py: Python<'_>,
        to: String,
        dumpformat: u32,
        flags: u32,
    ) -> PyResult<i32> {
        ok0!(self, py, |d| d
            .core_dump_with_format(&to, dumpformat, flags))
    }

    /// Remove the persistent definition; returns 0.
    fn undefine(&self, py: Python<'_>) -> PyResult<i32> {
        ok0!(self, py, |d| d.undefine())
    }

    /// Remove the persistent definition with flags; returns 0.
    #[pyo3(name = "undefineFlags", signature = (flags = 0))]
    fn undefine_flags(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.undefine_flags(flags))
    }

    /// Ask the guest to shut down; returns 0.
    fn shutdown(&self, py: Python<'_>) -> PyResult<i32> {
        ok0!(self, py, |d| d.shutdown())
    }

    /// Ask the guest to shut down, with flags; returns 0.
    #[pyo3(name = "shutdownFlags", signature = (flags = 0))]
    fn shutdown_flags(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.shutdown_flags(flags))
    }

    /// Ask the guest to reboot; returns 0.
    #[pyo3(signature = (flags = 0))]
    fn reboot(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.reboot(flags))
    }

    /// Pause; returns 0.
    fn suspend(&self, py: Python<'_>) -> PyResult<i32> {
        ok0!(self, py, |d| d.suspend())
    }

    /// Resume; returns 0.
    fn resume(&self, py: Python<'_>) -> PyResult<i32> {
        ok0!(self, py, |d| d.resume())
    }

    /// Set the running domain's memory, KiB; returns 0.
    #[pyo3(name = "setMemory")]
    fn set_memory(&self, py: Python<'_>, memory: u64) -> PyResult<i32> {
        ok0!(self, py, |d| d.set_memory(memory))
    }

    /// How often the guest's balloon driver reports statistics, seconds;
    /// returns 0.
    #[pyo3(name = "setMemoryStatsPeriod", signature = (period, flags = 0))]
    fn set_memory_stats_period(&self, py: Python<'_>, period: i32, flags: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.set_memory_stats_period(period, flags))
    }

    /// Set the maximum memory, KiB; returns 0.
    #[pyo3(name = "setMaxMemory")]
    fn set_max_memory(&self, py: Python<'_>, memory: u64) -> PyResult<i32> {
        ok0!(self, py, |d| d.set_max_memory(memory))
    }

    /// Set memory, KiB, with `VIR_DOMAIN_AFFECT_*` / `VIR_DOMAIN_MEM_*` flags.
    #[pyo3(name = "setMemoryFlags", signature = (memory, flags = 0))]
    fn set_memory_flags(&self, py: Python<'_>, memory: u64, flags: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.set_memory_flags(memory, flags))
    }

    /// Set the running domain's vCPU count; returns 0.
    #[pyo3(name = "setVcpus")]
    fn set_vcpus(&self, py: Python<'_>, nvcpus: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.set_vcpus(nvcpus))
    }

    /// Set the vCPU count with `VIR_DOMAIN_VCPU_*` flags; returns 0.
    #[pyo3(name = "setVcpusFlags", signature = (nvcpus, flags = 0))]
    fn set_vcpus_flags(&self, py: Python<'_>, nvcpus: u32, flags: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.set_vcpus_flags(nvcpus, flags))
    }

    /// The vCPU count (`VIR_DOMAIN_VCPU_*` flags).
    #[pyo3(name = "vcpusFlags", signature = (flags = 0))]
    fn vcpus_flags(&self, py: Python<'_>, flags: u32) -> PyResult<u32> {
        self.read(|d| call(py, || d.vcpus_flags(flags)))
    }

    /// `([(number, state, CPU time, host CPU)...], [(bool per host CPU)...])`.
    #[allow(clippy::type_complexity)]
    fn vcpus<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Vec<(u32, i32, u64, i32)>, Vec<Bound<'py, PyTuple>>)> {
        let n = self.host_cpus(py)?;
        let v = self.read(|d| call(py, || d.vcpus()))?;
        let info = v
            .iter()
            .map(|i| (i.number, i.state as i32, i.cpu_time, i.cpu))
            .collect();
        let maps = v
            .iter()
            .map(|i| cpumap_tuple(py, &i.affinity, n))
            .collect::<PyResult<_>>()?;
        Ok((info, maps))
    }

    /// Each vCPU's affinity, a tuple of booleans per vCPU.
    #[pyo3(name = "vcpuPinInfo", signature = (flags = 0))]
    fn vcpu_pin_info<'py>(
        &self,
        py: Python<'py>,
        flags: u32,
    ) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        let n = self.host_cpus(py)?;
        let maps = self.read(|d| call(py, || d.vcpu_pin_info(flags)))?;
        maps.iter().map(|m| cpumap_tuple(py, m, n)).collect()
    }

    /// Pin a vCPU to the host CPUs whose entries in `cpumap` are true.
    #[pyo3(name = "pinVcpu")]
    fn pin_vcpu(&self, py: Python<'_>, vcpu: u32, cpumap: &Bound<'_, PyAny>) -> PyResult<i32> {
        let map = cpumap_from_py(cpumap, self.host_cpus(py)?)?;
        ok0!(self, py, |d| d.pin_vcpu(vcpu, &map))
    }

    /// Pin a vCPU with `VIR_DOMAIN_AFFECT_*` flags.
    #[pyo3(name = "pinVcpuFlags", signature = (vcpu, cpumap, flags = 0))]
    fn pin_vcpu_flags(
        &self,
        py: Python<'_>,
        vcpu: u32,
        cpumap: &Bound<'_, PyAny>,
        flags: u32,
    ) -> PyResult<i32> {
        let map = cpumap_from_py(cpumap, self.host_cpus(py)?)?;
        ok0!(self, py, |d| d.pin_vcpu_flags(vcpu, &map, flags))
    }

    /// 1 when the domain starts with the node, else 0.
    fn autostart(&self, py: Python<'_>) -> PyResult<i32> {
        self.read(|d| call(py, || d.autostart())).map(i32::from)
    }

    /// Mark (non-zero) or unmark for autostart; returns 0.
    #[pyo3(name = "setAutostart")]
    fn set_autostart(&self, py: Python<'_>, autostart: i32) -> PyResult<i32> {
        ok0!(self, py, |d| d.set_autostart(autostart != 0))
    }

    /// 1 when running or paused, else 0.
    #[pyo3(name = "isActive")]
    fn is_active(&self, py: Python<'_>) -> PyResult<i32> {
        self.read(|d| call(py, || d.is_active())).map(i32::from)
    }

    /// 1 when the domain has a persistent definition, else 0.
    #[pyo3(name = "isPersistent")]
    fn is_persistent(&self, py: Python<'_>) -> PyResult<i32> {
        self.read(|d| call(py, || d.is_persistent())).map(i32::from)
    }

    /// 1 when a managed save image exists, else 0.
    #[pyo3(name = "hasManagedSaveImage", signature = (flags = 0))]
    fn has_managed_save_image(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        self.read(|d| call(py, || d.has_managed_save(flags)))
            .map(i32::from)
    }

    /// `[scheduler name, number of parameters]`.
    #[pyo3(name = "schedulerType")]
    fn scheduler_type(&self, py: Python<'_>) -> PyResult<(String, u32)> {
        self.read(|d| call(py, || d.scheduler_type()))
    }

    /// The scheduler's parameters, `{field: value}`.
    #[pyo3(name = "schedulerParameters")]
    fn scheduler_parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let p = self.read(|d| call(py, || d.scheduler_params_plain()))?;
        params_dict(py, &p)
    }

    /// The scheduler's parameters with `VIR_DOMAIN_AFFECT_*` flags.
    #[pyo3(name = "schedulerParametersFlags", signature = (flags = 0))]
    fn scheduler_parameters_flags<'py>(
        &self,
        py: Python<'py>,
        flags: u32,
    ) -> PyResult<Bound<'py, PyDict>> {
        let p = self.read(|d| call(py, || d.scheduler_params(flags)))?;
        params_dict(py, &p)
    }

    /// Change scheduler parameters from a dict; returns 0.
    #[pyo3(name = "setSchedulerParameters")]
    fn set_scheduler_parameters(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyDict>,
    ) -> PyResult<i32> {
        let cur = self.read(|d| call(py, || d.scheduler_params_plain()))?;
        let new = self.typed(py, params, &cur)?;
        ok0!(self, py, |d| d.set_scheduler_params_plain(&new))
    }

    /// Change scheduler parameters with `VIR_DOMAIN_AFFECT_*` flags.
    #[pyo3(name = "setSchedulerParametersFlags", signature = (params, flags = 0))]
    fn set_scheduler_parameters_flags(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyDict>,
        flags: u32,
    ) -> PyResult<i32> {
        let cur = self.read(|d| call(py, || d.scheduler_params(flags)))?;
        let new = self.typed(py, params, &cur)?;
        ok0!(self, py, |d| d.set_scheduler_params(&new, flags))
    }

    /// `[label, enforcing]`.
    #[pyo3(name = "securityLabel")]
    fn security_label<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let l = self.read(|d| call(py, || d.security_label()))?;
        as_list(py, (l.label, l.enforcing))
    }

    /// Hot-plug the device described in XML; returns 0.
    #[pyo3(name = "attachDevice")]
    fn attach_device(&self, py: Python<'_>, xml: String) -> PyResult<i32> {
        ok0!(self, py, |d| d.attach_device(&xml))
    }

    /// Attach a device with `VIR_DOMAIN_DEVICE_MODIFY_*` flags; returns 0.
    #[pyo3(name = "attachDeviceFlags", signature = (xml, flags = 0))]
    fn attach_device_flags(&self, py: Python<'_>, xml: String, flags: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.attach_device_flags(&xml, flags))
    }

    /// Hot-unplug the device described in XML; returns 0.
    #[pyo3(name = "detachDevice")]
    fn detach_device(&self, py: Python<'_>, xml: String) -> PyResult<i32> {
        ok0!(self, py, |d| d.detach_device(&xml))
    }

    /// Detach a device with `VIR_DOMAIN_DEVICE_MODIFY_*` flags; returns 0.
    #[pyo3(name = "detachDeviceFlags", signature = (xml, flags = 0))]
    fn detach_device_flags(&self, py: Python<'_>, xml: String, flags: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.detach_device_flags(&xml, flags))
    }

    /// Change a device in place (a CD-ROM's media) with flags; returns 0.
    #[pyo3(name = "updateDeviceFlags", signature = (xml, flags = 0))]
    fn update_device_flags(&self, py: Python<'_>, xml: String, flags: u32) -> PyResult<i32> {
        ok0!(self, py, |d| d.update_device_flags(&xml, flags))
    }

    // Checkpoints: the bodies are in moment.rs.

    /// Create a checkpoint described by XML.
    #[pyo3(name = "checkpointCreateXML", signature = (xml_desc, flags = 0))]
    fn checkpoint_create_xml(
        slf: Py<Self>,
        py: Python<'_>,
        xml_desc: String,
        flags: u32,
    ) -> PyResult<Py<PyDomainCheckpoint>> {
        let d = slf.get().read(Domain::clone);
        moment::made(py, &slf, move || d.moment_create_xml(&xml_desc, flags))
    }

    /// Every checkpoint that passes `flags`.
    #[pyo3(name = "listAllCheckpoints", signature = (flags = 0))]
    fn list_all_checkpoints(
        slf: Py<Self>,
        py: Python<'_>,
        flags: u32,
    ) -> PyResult<Vec<Py<PyDomainCheckpoint>>> {
        let d = slf.get().read(Domain::clone);
        moment::made_all(py, &slf, move || d.list_all_moments(flags))
    }

    /// Find a checkpoint by name.
    #[pyo3(name = "checkpointLookupByName", signature = (name, flags = 0))]
    fn checkpoint_lookup_by_name(
        slf: Py<Self>,
        py: Python<'_>,
        name: String,
        flags: u32,
    ) -> PyResult<Py<PyDomainCheckpoint>> {
        let d = slf.get().read(Domain::clone);
        moment::made(py, &slf, move || d.moment_lookup_by_name(&name, flags))
    }

    // Snapshots: the bodies are in moment.rs.

    /// Take a snapshot described by XML.
    #[pyo3(name = "snapshotCreateXML", signature = (xml_desc, flags = 0))]
    fn snapshot_create_xml(
        slf: Py<Self>,
        py: Python<'_>,
        xml_desc: String,
        flags: u32,
    ) -> PyResult<Py<PyDomainSnapshot>> {
        let d = slf.get().read(Domain::clone);
        moment::made(py, &slf, move || d.moment_create_xml(&xml_desc, flags))
    }

    /// Every snapshot that passes `flags`.
    #[pyo3(name = "listAllSnapshots", signature = (flags = 0))]
    fn list_all_snapshots(
        slf: Py<Self>,
        py: Python<'_>,
        flags: u32,
    ) -> PyResult<Vec<Py<PyDomainSnapshot>>> {
        let d = slf.get().read(Domain::clone);
        moment::made_all(py, &slf, move || d.list_all_moments(flags))
    }

    /// Find a snapshot by name.
    #[pyo3(name = "snapshotLookupByName", signature = (name, flags = 0))]
    fn snapshot_lookup_by_name(
        slf: Py<Self>,
        py: Python<'_>,
        name: String,
        flags: u32,
    ) -> PyResult<Py<PyDomainSnapshot>> {
        let d = slf.get().read(Domain::clone);
        moment::made(py, &slf, move || d.moment_lookup_by_name(&name, flags))
    }

    /// The current snapshot.
    #[pyo3(name = "snapshotCurrent", signature = (flags = 0))]
    fn snapshot_current(
        slf: Py<Self>,
        py: Python<'_>,
        flags: u32,
    ) -> PyResult<Py<PyDomainSnapshot>> {
        let d = slf.get().read(Domain::clone);
        moment::made(py, &slf, move || d.snapshot_current(flags))
    }

    /// 1 when the domain has a current snapshot, else 0.
    #[pyo3(name = "hasCurrentSnapshot", signature = (flags = 0))]
    fn has_current_snapshot(&self, py: Python<'_>, flags: u32) -> PyResult<i32> {
        let d = self.read(Domain::clone);
        call(py, move || d.has_current_snapshot(flags)).map(i32::from)
    }

    /// The names of the snapshots that pass `flags`.
    #[pyo3(name = "snapshotListNames", signature = (flags = 0))]
    fn snapshot_list_names(&self, py: Python<'_>, flags: u32) -> PyResult<Vec<String>> {
        let d = self.read(Domain::clone);
        call(py, move || d.snapshot_list_names(flags))
    }

    /// How many snapshots pass `flags`.
    #[pyo3(name = "snapshotNum", signature = (flags = 0))]
    fn snapshot_num(&self, py: Python<'_>, flags: u32) -> PyResult<u32> {
        let d = self.read(Domain::clone);
        call(py, move || d.snapshot_num(flags))
    }

    /// Revert the domain to `snap`; returns 0.
    #[pyo3(name = "revertToSnapshot", signature = (snap, flags = 0))]
    fn revert_to_snapshot(
        &self,
        py: Python<'_>,
        snap: &Bound<'_, PyDomainSnapshot>,
        flags: u32,
    ) -> PyResult<i32> {
        moment::revert(py, snap.get(), flags)
    }

    /// Attach `st` to the console or serial device `dev_name` (the first
    /// console when None), both ways; returns 0.
    #[pyo3(name = "openConsole", signature = (dev_name, st, flags = 0))]
    fn open_console(
        &self,
        py: Python<'_>,
        dev_name: Option<String>,
        st: PyRef<'_, PyStream>,
        flags: u32,
    ) -> PyResult<i32> {
        let s = st.stream();
        ok0!(self, py, |d| d.open_console(dev_name.as_deref(), s, flags))
    }

    /// Connect `stream` to a picture of screen `screen`; returns the
    /// picture's MIME type, its bytes to be read from the stream.
    #[pyo3(signature = (stream, screen, flags = 0))]
    fn screenshot(
        &self,
        py: Python<'_>,
        stream: PyRef<'_, PyStream>,
        screen: u32,
        flags: u32,
    ) -> PyResult<String> {
        let s = stream.stream();
        self.read(|d| call(py, || d.screenshot(s, screen, flags)))
    }
}

impl PyDomain {
    /// A parameter dict in the driver's types, or libvirt's error for a
    /// field the driver does not have.
    fn typed(
        &self,
        py: Python<'_>,
        params: &Bound<'_, PyDict>,
        current: &[virt_core::TypedParam],
    ) -> PyResult<Vec<virt_core::TypedParam>> {
        params_from_dict(params, current)?.map_err(|field| {
            binding_error(
                py,
                ErrorCode::InvalidArg,
                &format!("Attribute '{field}' not supported"),
            )
        })
    }
}
