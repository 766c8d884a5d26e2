//! The simulated node's virtual networks, kept as libvirt's test driver
//! keeps them: a definition (the running one while active) and, while a
//! persistent network runs, the persistent definition to take effect at
//! its next start.

use crate::error::{TestError, TestResult};
use virt_core::{network_update, NetworkRef, Uuid};
use virt_xml::NetworkDef;

/// One virtual network of the node.
#[derive(Debug, Clone)]
pub(crate) struct NetworkObj {
    /// The running definition while active, else the persistent one.
    pub def: NetworkDef,
    /// While active: the persistent definition, when it differs.
    pub new_def: Option<NetworkDef>,
    pub active: bool,
    pub persistent: bool,
    pub autostart: bool,
}

impl NetworkObj {
    pub fn uuid(&self) -> Uuid {
        self.def.uuid.unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        &self.def.name
    }

    pub fn identity(&self) -> NetworkRef {
        NetworkRef {
            name: self.def.name.clone(),
            uuid: self.uuid(),
        }
    }

    /// The persistent definition.
    fn persistent_def(&self) -> &NetworkDef {
        self.new_def.as_ref().unwrap_or(&self.def)
    }
}

/// The node's networks, in definition order.
#[derive(Debug, Default)]
pub(crate) struct Networks {
    list: Vec<NetworkObj>,
}

/// Parse a definition as the test driver does (`validate`: refuse what the
/// schema does not know) and give it a UUID when it has none.
pub(crate) fn parse_network_def(xml: &str, validate: bool) -> TestResult<NetworkDef> {
    let mut def = if validate {
        virt_xml::parse_network_strict(xml)?
    } else {
        virt_xml::parse_network(xml)?
    };
    if def.uuid.is_none() {
        def.uuid = Some(Uuid::new_v4());
    }
    Ok(def)
}

impl Networks {
    pub fn iter(&self) -> impl Iterator<Item = &NetworkObj> {
        self.list.iter()
    }

    pub fn get(&self, r: &NetworkRef) -> TestResult<&NetworkObj> {
        self.list
            .iter()
            .find(|n| n.uuid() == r.uuid)
            .ok_or(TestError::NoNetworkUuid(r.uuid))
    }

    fn get_mut(&mut self, r: &NetworkRef) -> TestResult<&mut NetworkObj> {
        self.list
            .iter_mut()
            .find(|n| n.uuid() == r.uuid)
            .ok_or(TestError::NoNetworkUuid(r.uuid))
    }

    pub fn by_name(&self, name: &str) -> TestResult<&NetworkObj> {
        self.list
            .iter()
            .find(|n| n.name() == name)
            .ok_or_else(|| TestError::NoNetwork(name.to_string()))
    }

    pub fn by_uuid(&self, uuid: &Uuid) -> TestResult<&NetworkObj> {
        self.list
            .iter()
            .find(|n| n.uuid() == *uuid)
            .ok_or(TestError::NoNetworkUuid(*uuid))
    }

    /// Add a network loaded with the node (running, persistent).
    pub fn add_at_boot(&mut self, def: NetworkDef) -> TestResult<()> {
        if self.list.iter().any(|n| n.name() == def.name) {
            return Err(TestError::NodeXml(format!(
                "network '{}' already exists",
                def.name
            )));
        }
        self.add(def, true, true);
        Ok(())
    }

    /// A new network object at the end of the list, not autostarted;
    /// its identity.
    fn add(&mut self, def: NetworkDef, active: bool, persistent: bool) -> NetworkRef {
        let n = NetworkObj {
            def,
            new_def: None,
            active,
            persistent,
            autostart: false,
        };
        let r = n.identity();
        self.list.push(n);
        r
    }

    /// The clash checks of libvirt's `virNetworkObjAssignDef`: the name
    /// must not belong to another UUID nor the UUID to another name.
    fn assign_index(&self, def: &NetworkDef) -> TestResult<Option<usize>> {
        let uuid = def.uuid.unwrap_or_default();
        if let Some(i) = self.list.iter().position(|n| n.uuid() == uuid) {
            let n = &self.list[i];
            if n.name() != def.name {
                return Err(TestError::NetworkClash(format!(
                    "network '{}' is already defined with uuid {}",
                    n.name(),
                    uuid
                )));
            }
            return Ok(Some(i));
        }
        if let Some(n) = self.list.iter().find(|n| n.name() == def.name) {
            return Err(TestError::NetworkClash(format!(
                "network '{}' already exists with uuid {}",
                n.name(),
                n.uuid()
            )));
        }
        Ok(None)
    }

    /// `virNetworkDefineXML`: a new persistent network, or a new
    /// persistent definition of an existing one.
    pub fn define(&mut self, def: NetworkDef) -> TestResult<NetworkRef> {
        match self.assign_index(&def)? {
            Some(i) => {
                let n = &mut self.list[i];
                if n.active {
                    n.new_def = Some(def);
                } else {
                    n.def = def;
                }
                n.persistent = true;
                Ok(n.identity())
            }
            None => Ok(self.add(def, false, true)),
        }
    }

    /// `virNetworkCreateXML`: start a transient network (or start an
    /// inactive one of the same identity with this definition).
    pub fn create_xml(&mut self, def: NetworkDef) -> TestResult<NetworkRef> {
        match self.assign_index(&def)? {
            Some(i) => {
                let n = &mut self.list[i];
                if n.active {
                    return Err(TestError::NetworkState(format!(
                        "network is already active as '{}'",
                        n.name()
                    )));
                }
                if n.persistent {
                    n.new_def = Some(std::mem::replace(&mut n.def, def));
                } else {
                    n.def = def;
                }
                n.active = true;
                Ok(n.identity())
            }
            None => Ok(self.add(def, true, false)),
        }
    }

    /// `virNetworkCreate`.
    pub fn start(&mut self, r: &NetworkRef) -> TestResult<()> {
        let n = self.get_mut(r)?;
        if n.active {
            return Err(TestError::Invalid(format!(
                "Network '{}' is already running",
                n.name()
            )));
        }
        n.active = true;
        Ok(())
    }

    /// `virNetworkDestroy`: the test driver stops a network whatever its
    /// state; a transient one goes away. As libvirt 9.0's test driver, it
    /// keeps showing the definition it ran with (a pending persistent
    /// change stays pending).
    pub fn destroy(&mut self, r: &NetworkRef) -> TestResult<()> {
        let n = self.get_mut(r)?;
        n.active = false;
        if !n.persistent {
            let uuid = n.uuid();
            self.list.retain(|n| n.uuid() != uuid);
        }
        Ok(())
    }

    /// `virNetworkUndefine`.
    pub fn undefine(&mut self, r: &NetworkRef) -> TestResult<()> {
        let n = self.get_mut(r)?;
        if n.active {
            return Err(TestError::Invalid(format!(
                "Network '{}' is still running",
                n.name()
            )));
        }
        let uuid = n.uuid();
        self.list.retain(|n| n.uuid() != uuid);
        Ok(())
    }

    /// `virNetworkSetAutostart`.
    pub fn set_autostart(&mut self, r: &NetworkRef, on: bool) -> TestResult<()> {
        self.get_mut(r)?.autostart = on;
        Ok(())
    }

    /// `virNetworkUpdate` with `flags` of `network_update::AFFECT_*`.
    pub fn update(
        &mut self,
        r: &NetworkRef,
        command: u32,
        section: u32,
        parent_index: i32,
        xml: &str,
        flags: u32,
    ) -> TestResult<()> {
        let n = self.get_mut(r)?;
        let defs = network_update::defs(flags, n.active, n.persistent)
            .map_err(|reason| TestError::NetworkState(reason.into()))?;
        let mut live = None;
        if defs.live {
            let mut d = n.def.clone();
            d.update_number(command, section, parent_index, xml)?;
            live = Some(d);
        }
        let mut config = None;
        if defs.config {
            let mut d = n.persistent_def().clone();
            d.update_number(command, section, parent_index, xml)?;
            config = Some(d);
        }
        // Both copies were changed without error: commit them together.
        if let Some(c) = config {
            if n.active {
                n.new_def = Some(c);
            } else {
                n.def = c;
            }
        }
        if let Some(l) = live {
            // The persistent definition stays as it was.
            if n.persistent && n.new_def.is_none() {
                n.new_def = Some(n.def.clone());
            }
            n.def = l;
        }
        Ok(())
    }
}
