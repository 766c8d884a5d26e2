//! `virInterface` and `virNodeDevice`: the host's network interfaces and
//! its device tree.

use super::error::call;
use super::handle::handle_class;
use pyo3::prelude::*;
use virt_core::{Interface, NodeDevice};

handle_class!(
    /// A host network interface (libvirt-python's `virInterface`); handles
    /// compare and hash by identity, as libvirt-python's.
    PyInterface("virInterface", "interface", Interface),
    shared [is_active create(flags) destroy(flags) undefine],
    {
        /// The interface's MAC address.
        #[pyo3(name = "MACString")]
        fn mac_string(&self) -> String {
            self.handle.mac_string().to_string()
        }
    }
);

handle_class!(
    /// A node device (libvirt-python's `virNodeDevice`); handles compare and
    /// hash by identity, as libvirt-python's.
    PyNodeDevice("virNodeDevice", "device", NodeDevice),
    shared [is_active is_persistent create(flags) destroy undefine(flags)],
    {
        /// The parent device's name, `None` for the root.
        fn parent(&self, py: Python<'_>) -> PyResult<Option<String>> {
            call(py, || self.handle.parent())
        }

        /// Number of the device's capabilities.
        #[pyo3(name = "numOfCaps")]
        fn num_of_caps(&self, py: Python<'_>) -> PyResult<u32> {
            call(py, || self.handle.num_of_caps())
        }

        /// The device's capability names.
        #[pyo3(name = "listCaps")]
        fn list_caps(&self, py: Python<'_>) -> PyResult<Vec<String>> {
            call(py, || self.handle.list_caps())
        }
    }
);
