//! The host's own devices: its network interfaces (`virInterface*`) and
//! the node device tree (`virNodeDevice*`), as handles over the driver.

use crate::connect::Connect;
use crate::error::Result;
use crate::types::{InterfaceRef, NodeDeviceRef};

impl Connect {
    /// All host interfaces passing `flags` ([`crate::interface_list_flags`];
    /// `virConnectListAllInterfaces`).
    pub fn list_all_interfaces(&self, flags: u32) -> Result<Vec<Interface>> {
        let refs = self.check(self.checked().list_all_interfaces(flags))?;
        Ok(refs.into_iter().map(|r| self.interface(r)).collect())
    }

    fn interface(&self, r: InterfaceRef) -> Interface {
        Interface {
            conn: self.clone(),
            r,
        }
    }

    /// Number of active host interfaces (`virConnectNumOfInterfaces`).
    pub fn num_of_interfaces(&self) -> Result<u32> {
        self.check(self.checked().num_of_interfaces())
    }

    /// Names of the active host interfaces (`virConnectListInterfaces`).
    pub fn list_interfaces(&self) -> Result<Vec<String>> {
        self.check(self.checked().list_interfaces())
    }

    /// Number of inactive host interfaces (`virConnectNumOfDefinedInterfaces`).
    pub fn num_of_defined_interfaces(&self) -> Result<u32> {
        self.check(self.checked().num_of_defined_interfaces())
    }

    /// Names of the inactive host interfaces (`virConnectListDefinedInterfaces`).
    pub fn list_defined_interfaces(&self) -> Result<Vec<String>> {
        self.check(self.checked().list_defined_interfaces())
    }

    /// Find a host interface by name (`virInterfaceLookupByName`).
    pub fn interface_lookup_by_name(&self, name: &str) -> Result<Interface> {
        self.check(self.checked().interface_lookup_by_name(name))
            .map(|r| self.interface(r))
    }

    /// Find a host interface by MAC address (`virInterfaceLookupByMACString`).
    pub fn interface_lookup_by_mac_string(&self, mac: &str) -> Result<Interface> {
        self.check(self.checked().interface_lookup_by_mac_string(mac))
            .map(|r| self.interface(r))
    }

    /// Define (or redefine) a host interface (`virInterfaceDefineXML`).
    pub fn interface_define_xml(&self, xml: &str, flags: u32) -> Result<Interface> {
        self.check(self.checked().interface_define_xml(xml, flags))
            .map(|r| self.interface(r))
    }

    /// Begin a change transaction of the host's interface configuration
    /// (`virInterfaceChangeBegin`).
    pub fn interface_change_begin(&self, flags: u32) -> Result<()> {
        self.check(self.checked().interface_change_begin(flags))
    }

    /// Keep the changes of the transaction (`virInterfaceChangeCommit`).
    pub fn interface_change_commit(&self, flags: u32) -> Result<()> {
        self.check(self.checked().interface_change_commit(flags))
    }

    /// Undo the changes of the transaction (`virInterfaceChangeRollback`).
    pub fn interface_change_rollback(&self, flags: u32) -> Result<()> {
        self.check(self.checked().interface_change_rollback(flags))
    }

    /// All node devices passing `flags` ([`crate::node_device_list_flags`];
    /// `virConnectListAllNodeDevices`).
    pub fn list_all_node_devices(&self, flags: u32) -> Result<Vec<NodeDevice>> {
        let refs = self.check(self.checked().list_all_node_devices(flags))?;
        Ok(refs.into_iter().map(|r| self.node_device(r)).collect())
    }

    fn node_device(&self, r: NodeDeviceRef) -> NodeDevice {
        NodeDevice {
            conn: self.clone(),
            r,
        }
    }

    /// Number of node devices, with capability `cap` when given
    /// (`virNodeNumOfDevices`).
    pub fn node_num_of_devices(&self, cap: Option<&str>, flags: u32) -> Result<u32> {
        self.check(self.checked().node_num_of_devices(cap, flags))
    }

    /// Names of the node devices, with capability `cap` when given
    /// (`virNodeListDevices`).
    pub fn node_list_devices(&self, cap: Option<&str>, flags: u32) -> Result<Vec<String>> {
        self.check(self.checked().node_list_devices(cap, flags))
    }

    /// Find a node device by name (`virNodeDeviceLookupByName`).
    pub fn node_device_lookup_by_name(&self, name: &str) -> Result<NodeDevice> {
        self.check(self.checked().node_device_lookup_by_name(name))
            .map(|r| self.node_device(r))
    }

    /// Create a transient node device from XML (`virNodeDeviceCreateXML`).
    pub fn node_device_create_xml(&self, xml: &str, flags: u32) -> Result<NodeDevice> {
        self.check(self.checked().node_device_create_xml(xml, flags))
            .map(|r| self.node_device(r))
    }

    /// Define a persistent node device from XML (`virNodeDeviceDefineXML`).
    pub fn node_device_define_xml(&self, xml: &str, flags: u32) -> Result<NodeDevice> {
        self.check(self.checked().node_device_define_xml(xml, flags))
            .map(|r| self.node_device(r))
    }
}

/// A host network interface handle (`virInterfacePtr`).
#[derive(Clone, Debug)]
pub struct Interface {
    conn: Connect,
    r: InterfaceRef,
}

impl Interface {
    /// The interface's name (`virInterfaceGetName`).
    pub fn name(&self) -> &str {
        &self.r.name
    }
    /// Its MAC address as looked up (`virInterfaceGetMACString`).
    pub fn mac_string(&self) -> &str {
        &self.r.mac
    }
    /// The identity as plain values.
    pub fn identity(&self) -> &InterfaceRef {
        &self.r
    }
    /// The connection this handle belongs to.
    pub fn connect(&self) -> &Connect {
        &self.conn
    }
    /// The interface XML (`virInterfaceGetXMLDesc`).
    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        let c = &self.conn;
        c.check(c.checked().interface_get_xml_desc(&self.r, flags))
    }
    /// Remove the definition (`virInterfaceUndefine`).
    pub fn undefine(&self) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().interface_undefine(&self.r))
    }
    /// Bring the interface up (`virInterfaceCreate`).
    pub fn create(&self, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().interface_create(&self.r, flags))
    }
    /// Bring the interface down (`virInterfaceDestroy`).
    pub fn destroy(&self, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().interface_destroy(&self.r, flags))
    }
    /// True when up (`virInterfaceIsActive`).
    pub fn is_active(&self) -> Result<bool> {
        let c = &self.conn;
        c.check(c.checked().interface_is_active(&self.r))
    }
}

/// A node device handle (`virNodeDevicePtr`).
#[derive(Clone, Debug)]
pub struct NodeDevice {
    conn: Connect,
    r: NodeDeviceRef,
}

impl NodeDevice {
    /// The device's name (`virNodeDeviceGetName`).
    pub fn name(&self) -> &str {
        &self.r.name
    }
    /// The identity as plain values.
    pub fn identity(&self) -> &NodeDeviceRef {
        &self.r
    }
    /// The connection this handle belongs to.
    pub fn connect(&self) -> &Connect {
        &self.conn
    }
    /// The device XML (`virNodeDeviceGetXMLDesc`).
    pub fn xml_desc(&self, flags: u32) -> Result<String> {
        let c = &self.conn;
        c.check(c.checked().node_device_get_xml_desc(&self.r, flags))
    }
    /// The parent device's name, `None` for the root (`virNodeDeviceGetParent`).
    pub fn parent(&self) -> Result<Option<String>> {
        let c = &self.conn;
        c.check(c.checked().node_device_get_parent(&self.r))
    }
    /// Number of capabilities (`virNodeDeviceNumOfCaps`).
    pub fn num_of_caps(&self) -> Result<u32> {
        let c = &self.conn;
        c.check(c.checked().node_device_num_of_caps(&self.r))
    }
    /// The capability names (`virNodeDeviceListCaps`).
    pub fn list_caps(&self) -> Result<Vec<String>> {
        let c = &self.conn;
        c.check(c.checked().node_device_list_caps(&self.r))
    }
    /// Remove a device made by `node_device_create_xml` (`virNodeDeviceDestroy`).
    pub fn destroy(&self) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().node_device_destroy(&self.r))
    }
    /// Remove the persistent definition (`virNodeDeviceUndefine`).
    pub fn undefine(&self, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().node_device_undefine(&self.r, flags))
    }
    /// Start a defined device (`virNodeDeviceCreate`).
    pub fn create(&self, flags: u32) -> Result<()> {
        let c = &self.conn;
        c.check(c.checked().node_device_create(&self.r, flags))
    }
    /// True when active (`virNodeDeviceIsActive`).
    pub fn is_active(&self) -> Result<bool> {
        let c = &self.conn;
        c.check(c.checked().node_device_is_active(&self.r))
    }
    /// True when persistent (`virNodeDeviceIsPersistent`).
    pub fn is_persistent(&self) -> Result<bool> {
        let c = &self.conn;
        c.check(c.checked().node_device_is_persistent(&self.r))
    }
}
