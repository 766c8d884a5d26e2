//! A domain's life through xend's operations: create, define, undefine,
//! start, save and restore, core dumps, autostart.

use super::*;

impl XendDriver {
    fn parse_def(xml: &str, validate: bool) -> Result<DomainDef> {
        let parsed = if validate {
            virt_xml::parse_domain_strict(xml)
        } else {
            virt_xml::parse_domain(xml)
        };
        let mut def = parsed?;
        if def.domain_type != "xen" {
            return Err(XendError::Unsupported(format!(
                "domain type '{}' cannot be run by xend",
                def.domain_type
            ))
            .into());
        }
        if def.uuid.is_none() {
            def.uuid = Some(Uuid::new_v4());
        }
        Ok(def)
    }

    /// Create and start a domain from `xml`; a half-started one is destroyed.
    pub(super) fn create_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        self.may_change(
            flags,
            start_flags::PAUSED | start_flags::VALIDATE,
            "xenUnifiedDomainCreateXML",
            "virDomainCreateXML",
        )?;
        let def = Self::parse_def(xml, flags & start_flags::VALIDATE != 0)?;
        let config = domain_to_sexpr(&def)?;
        self.op(
            "virDomainCreateXML",
            "",
            &[("op", "create"), ("config", &config)],
        )?;
        // xend leaves the new domain paused until its devices are up.
        let started = (|| {
            let desc = self.describe_key(&def.name)?;
            let r = domain_ref(&desc)?;
            self.op(
                "virDomainCreateXML",
                &def.name,
                &[("op", "wait_for_devices")],
            )?;
            if flags & start_flags::PAUSED == 0 {
                self.op("virDomainCreateXML", &def.name, &[("op", "unpause")])?;
            }
            Ok(r)
        })();
        if started.is_err() {
            // Do not leave a half-started domain behind, as libvirt did not.
            let _ = self.op("virDomainCreateXML", &def.name, &[("op", "destroy")]);
        }
        started
    }

    /// Define a domain xend keeps (xend 3.0.4 and later).
    pub(super) fn define_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        self.may_change(
            flags,
            virt_core::define_flags::VALIDATE,
            "xenUnifiedDomainDefineXMLFlags",
            "virDomainDefineXML",
        )?;
        if self.config_format < MANAGED_CONFIG_FORMAT {
            return Err(Error::declined("virDomainDefineXML"));
        }
        let def = Self::parse_def(xml, flags & virt_core::define_flags::VALIDATE != 0)?;
        let config = domain_to_sexpr(&def)?;
        self.op(
            "virDomainDefineXML",
            "",
            &[("op", "new"), ("config", &config)],
        )?;
        Ok(domain_ref(&self.describe_key(&def.name)?)?)
    }

    /// Forget a domain xend keeps.
    pub(super) fn undefine(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        self.may_change(
            flags,
            0,
            "xenUnifiedDomainUndefineFlags",
            "virDomainUndefine",
        )?;
        if self.config_format < MANAGED_CONFIG_FORMAT {
            return Err(Error::declined("virDomainUndefine"));
        }
        self.op("virDomainUndefine", &dom.name, &[("op", "delete")])?;
        Ok(())
    }

    /// Start a defined domain.
    pub(super) fn start(&self, dom: &DomainRef, flags: u32) -> Result<DomainRef> {
        self.may_change(
            flags,
            0,
            "xenUnifiedDomainCreateWithFlags",
            "virDomainCreate",
        )?;
        let desc = self.describe(dom)?;
        if is_active(&desc) {
            return Err(XendError::OperationInvalid("Domain is already running".into()).into());
        }
        self.op("virDomainCreate", &dom.name, &[("op", "start")])?;
        Ok(domain_ref(&self.describe(dom)?)?)
    }

    /// Restore a domain saved to `path`.
    pub(super) fn restore(&self, path: &str, flags: u32) -> Result<DomainRef> {
        self.may_change(flags, 0, "xenUnifiedDomainRestoreFlags", "virDomainRestore")?;
        if path.is_empty() {
            return Err(XendError::InvalidArg("no file to restore from".into()).into());
        }
        let reply = self.op("virDomainRestore", "", &[("op", "restore"), ("file", path)])?;
        // xend answers with the restored domain's description.
        let desc = sexpr::parse_lenient(&reply).map_err(Error::from)?;
        let r = domain_ref(&desc)?;
        Ok(domain_ref(&self.describe_key(&r.name)?)?)
    }

    /// Dump a running domain's memory to `path`.
    pub(super) fn core_dump(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<()> {
        self.may_change(
            flags,
            dump_flags::LIVE | dump_flags::CRASH,
            "xenUnifiedDomainCoreDump",
            "virDomainCoreDump",
        )?;
        if path.is_empty() {
            return Err(XendError::InvalidArg("no file to dump to".into()).into());
        }
        let bit = |f: u32| if flags & f != 0 { "1" } else { "0" };
        self.op_running(
            "virDomainCoreDump",
            dom,
            &[
                ("op", "dump"),
                ("file", path),
                ("live", bit(dump_flags::LIVE)),
                ("crash", bit(dump_flags::CRASH)),
            ],
        )
    }

    /// Change `on_xend_start` by redefining the domain with its description.
    pub(super) fn set_autostart(&self, dom: &DomainRef, autostart: bool) -> Result<()> {
        self.refuse_read_only("virDomainSetAutostart")?;
        if self.config_format < MANAGED_CONFIG_FORMAT {
            // xend before 3.0.4 kept no domains: libvirt left autostart
            // to the xm config-file driver (/etc/xen/auto), so this one
            // steps aside for the next member of the stack.
            return Err(Error::declined("virDomainSetAutostart"));
        }
        let desc = self.describe(dom)?;
        // xend always described on_xend_start of the domains it kept;
        // libvirt changed it in place and redefined the domain with the
        // whole description, never adding the entry.
        let Sexpr::List(mut items) = desc else {
            return Err(no_domain(&dom.name));
        };
        let Some(entry) = items
            .iter_mut()
            .skip(1)
            .find(|i| i.key() == Some("on_xend_start"))
        else {
            return Err(xend_internal("on_xend_start not present in sexpr"));
        };
        if !matches!(
            entry.rest().first().and_then(Sexpr::as_atom),
            Some("start" | "ignore")
        ) {
            return Err(xend_internal("unexpected value from on_xend_start"));
        }
        *entry = Sexpr::pair("on_xend_start", if autostart { "start" } else { "ignore" });
        let config = Sexpr::List(items).to_string();
        match self.op(
            "virDomainSetAutostart",
            "",
            &[("op", "new"), ("config", &config)],
        ) {
            Ok(_) => Ok(()),
            // libvirt reported its own failure over xend's.
            Err(_) => Err(Error::with(
                ErrorCode::XenCall,
                ErrorDomain::Xend,
                "Failed to redefine sexpr",
            )),
        }
    }
}
