//! The simulated node's host interfaces and node devices, kept as
//! libvirt's test driver keeps them: interfaces with an active flag and
//! one change transaction (a copy to roll back to), node devices as their
//! definitions, a vHBA made by `create_xml` modelled on an existing one.

use crate::error::{check_flags, TestError, TestResult};
use virt_core::{interface_list_flags, node_device_list_flags, InterfaceRef, NodeDeviceRef};
use virt_xml::{InterfaceDef, NodeDeviceDef};

/// One host interface.
#[derive(Debug, Clone)]
pub(crate) struct IfaceObj {
    pub def: InterfaceDef,
    pub active: bool,
}

impl IfaceObj {
    fn identity(&self) -> InterfaceRef {
        InterfaceRef {
            name: self.def.name.clone(),
            mac: self.def.mac.clone().unwrap_or_default(),
        }
    }
}

/// The node's host interfaces, in definition order, and the copy a
/// running transaction rolls back to.
#[derive(Debug, Default)]
pub(crate) struct Interfaces {
    list: Vec<IfaceObj>,
    backup: Option<Vec<IfaceObj>>,
}

impl Interfaces {
    /// Add an interface loaded with the node (active).
    pub fn add_at_boot(&mut self, def: InterfaceDef) {
        self.assign(def, true);
    }

    /// A new definition replaces the old one of the same name, which keeps
    /// its state (`virInterfaceObjListAssignDef`).
    fn assign(&mut self, def: InterfaceDef, active: bool) -> InterfaceRef {
        match self.list.iter_mut().find(|i| i.def.name == def.name) {
            Some(i) => {
                i.def = def;
                i.identity()
            }
            None => {
                let obj = IfaceObj { def, active };
                let r = obj.identity();
                self.list.push(obj);
                r
            }
        }
    }

    fn get(&self, name: &str) -> TestResult<&IfaceObj> {
        self.list
            .iter()
            .find(|i| i.def.name == name)
            .ok_or_else(|| TestError::NoInterface(name.to_string()))
    }

    fn get_mut(&mut self, name: &str) -> TestResult<&mut IfaceObj> {
        self.list
            .iter_mut()
            .find(|i| i.def.name == name)
            .ok_or_else(|| TestError::NoInterface(name.to_string()))
    }

    pub fn list_all(&self, flags: u32) -> TestResult<Vec<InterfaceRef>> {
        check_flags(
            flags,
            interface_list_flags::ALL,
            "testConnectListAllInterfaces",
        )?;
        let want = flags & interface_list_flags::ALL;
        Ok(self
            .list
            .iter()
            .filter(|i| {
                want == 0
                    || want == interface_list_flags::ALL
                    || (i.active == (want == interface_list_flags::ACTIVE))
            })
            .map(IfaceObj::identity)
            .collect())
    }

    pub fn names(&self, active: bool) -> Vec<String> {
        self.list
            .iter()
            .filter(|i| i.active == active)
            .map(|i| i.def.name.clone())
            .collect()
    }

    pub fn lookup_by_name(&self, name: &str) -> TestResult<InterfaceRef> {
        Ok(self.get(name)?.identity())
    }

    /// The one interface with this MAC, compared without case. Interfaces
    /// without a MAC never match (libvirt 9.0 compares them as equal to
    /// anything, a crash it only escapes by GLib's check).
    pub fn lookup_by_mac(&self, mac: &str) -> TestResult<InterfaceRef> {
        let mut found = self.list.iter().filter(|i| {
            i.def
                .mac
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(mac))
        });
        match (found.next(), found.next()) {
            (None, _) => Err(TestError::NoInterfaceMac(mac.to_string())),
            (Some(_), Some(_)) => Err(TestError::MultipleInterfaces),
            (Some(i), None) => Ok(InterfaceRef {
                name: i.def.name.clone(),
                mac: mac.to_string(),
            }),
        }
    }

    pub fn xml_desc(&self, iface: &InterfaceRef, flags: u32) -> TestResult<String> {
        check_flags(flags, 0, "testInterfaceGetXMLDesc")?;
        Ok(self.get(&iface.name)?.def.to_xml())
    }

    pub fn define(&mut self, xml: &str, flags: u32) -> TestResult<InterfaceRef> {
        const VALIDATE: u32 = 1;
        check_flags(flags, VALIDATE, "testInterfaceDefineXML")?;
        let def = virt_xml::parse_interface(xml)?;
        if flags & VALIDATE != 0 {
            def.validate()?;
        }
        Ok(self.assign(def, false))
    }

    pub fn undefine(&mut self, iface: &InterfaceRef) -> TestResult<()> {
        self.get(&iface.name)?;
        self.list.retain(|i| i.def.name != iface.name);
        Ok(())
    }

    /// Bring up (`up`) or down an interface that is in the other state.
    pub fn set_active(
        &mut self,
        iface: &InterfaceRef,
        up: bool,
        flags: u32,
        function: &'static str,
    ) -> TestResult<()> {
        check_flags(flags, 0, function)?;
        let i = self.get_mut(&iface.name)?;
        if i.active == up {
            return Err(TestError::InvalidBare);
        }
        i.active = up;
        Ok(())
    }

    pub fn is_active(&self, iface: &InterfaceRef) -> TestResult<bool> {
        Ok(self.get(&iface.name)?.active)
    }

    pub fn begin(&mut self, flags: u32) -> TestResult<()> {
        check_flags(flags, 0, "testInterfaceChangeBegin")?;
        if self.backup.is_some() {
            return Err(TestError::Invalid(
                "there is another transaction running.".into(),
            ));
        }
        self.backup = Some(self.list.clone());
        Ok(())
    }

    pub fn commit(&mut self, flags: u32) -> TestResult<()> {
        check_flags(flags, 0, "testInterfaceChangeCommit")?;
        self.backup.take().map(drop).ok_or_else(|| {
            TestError::Invalid("no transaction running, nothing to be committed.".into())
        })
    }

    pub fn rollback(&mut self, flags: u32) -> TestResult<()> {
        check_flags(flags, 0, "testInterfaceChangeRollback")?;
        let saved = self.backup.take().ok_or_else(|| {
            TestError::Invalid("no transaction running, nothing to rollback.".into())
        })?;
        // libvirt rebuilds the list from the saved definitions alone: every
        // interface comes back inactive.
        self.list = saved
            .into_iter()
            .map(|i| IfaceObj { active: false, ..i })
            .collect();
        Ok(())
    }
}

/// The node's devices, in definition order.
#[derive(Debug, Default)]
pub(crate) struct NodeDevices {
    list: Vec<NodeDeviceDef>,
}

/// The device `create_xml` models a new vHBA on, as libvirt's test driver.
const VHBA_MODEL: &str = "scsi_host11";

impl NodeDevices {
    /// Add a device loaded with the node.
    pub fn add_at_boot(&mut self, def: NodeDeviceDef) -> TestResult<()> {
        if self.list.iter().any(|d| d.name == def.name) {
            return Err(TestError::NodeXml(format!(
                "node device '{}' already exists",
                def.name
            )));
        }
        self.list.push(def);
        Ok(())
    }

    fn get(&self, name: &str) -> TestResult<&NodeDeviceDef> {
        self.list
            .iter()
            .find(|d| d.name == name)
            .ok_or_else(|| TestError::NoNodeDevice(name.to_string()))
    }

    fn matching<'a>(&'a self, cap: Option<&'a str>) -> impl Iterator<Item = &'a NodeDeviceDef> {
        self.list
            .iter()
            .filter(move |d| cap.is_none_or(|c| d.has_cap(c)))
    }

    pub fn list_all(&self, flags: u32) -> TestResult<Vec<NodeDeviceRef>> {
        check_flags(
            flags,
            node_device_list_flags::CAPS,
            "testConnectListAllNodeDevices",
        )?;
        Ok(self
            .list
            .iter()
            .filter(|d| {
                flags == 0
                    || virt_core::node_device_caps::NAMES
                        .iter()
                        .enumerate()
                        .any(|(bit, cap)| flags & (1 << bit) != 0 && d.has_cap(cap))
            })
            .map(|d| NodeDeviceRef {
                name: d.name.clone(),
            })
            .collect())
    }

    pub fn count(&self, cap: Option<&str>, flags: u32) -> TestResult<u32> {
        check_flags(flags, 0, "testNodeNumOfDevices")?;
        Ok(self.matching(cap).count() as u32)
    }

    pub fn names(&self, cap: Option<&str>, flags: u32) -> TestResult<Vec<String>> {
        check_flags(flags, 0, "testNodeListDevices")?;
        Ok(self.matching(cap).map(|d| d.name.clone()).collect())
    }

    pub fn lookup(&self, name: &str) -> TestResult<NodeDeviceRef> {
        Ok(NodeDeviceRef {
            name: self.get(name)?.name.clone(),
        })
    }

    pub fn xml_desc(&self, dev: &NodeDeviceRef, flags: u32) -> TestResult<String> {
        check_flags(flags, 0, "testNodeDeviceGetXMLDesc")?;
        Ok(self.get(&dev.name)?.to_xml())
    }

    pub fn parent(&self, dev: &NodeDeviceRef) -> TestResult<Option<String>> {
        Ok(self.get(&dev.name)?.parent.clone())
    }

    pub fn caps(&self, dev: &NodeDeviceRef) -> TestResult<Vec<String>> {
        Ok(self.get(&dev.name)?.caps())
    }

    /// A new vHBA: the XML must name a fibre channel SCSI host (its WWNN
    /// and WWPN); the device is a copy of the node's model vHBA under the
    /// next free `scsi_hostN` name, with those WWNs.
    pub fn create(&mut self, xml: &str, flags: u32) -> TestResult<NodeDeviceRef> {
        check_flags(flags, 0, "testNodeDeviceCreateXML")?;
        let def = virt_xml::parse_node_device(xml)?;
        let wwns = def
            .fc_host_wwns()
            .ok_or_else(|| TestError::InvalidArg("device is not a fibre channel HBA".into()))?;
        if let Some(p) = &def.parent {
            self.get(p)
                .map_err(|_| TestError::Internal(format!("cannot find parent '{p}' definition")))?;
        }
        // The new host is numbered after the model's, whatever exists: a
        // second vHBA replaces the first, as libvirt's mock does.
        let mut new = self.get(VHBA_MODEL)?.clone();
        let host = new.scsi_host_number().unwrap_or(0);
        new.rename(&format!("scsi_host{}", host + 1));
        new.set_fc_host_wwns(&wwns.0, &wwns.1);
        let r = NodeDeviceRef {
            name: new.name.clone(),
        };
        match self.list.iter_mut().find(|d| d.name == new.name) {
            Some(old) => *old = new,
            None => self.list.push(new),
        }
        Ok(r)
    }

    pub fn destroy(&mut self, dev: &NodeDeviceRef) -> TestResult<()> {
        self.get(&dev.name)?;
        self.list.retain(|d| d.name != dev.name);
        Ok(())
    }
}
