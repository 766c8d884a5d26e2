//! The `virt_core::Driver` table of the xend driver: each method checks
//! what is cheap to check and hands the work to the module that owns it.

use super::*;

impl Driver for XendDriver {
    fn type_name(&self) -> &str {
        "Xen"
    }

    fn close(&self) -> Result<()> {
        Ok(())
    }

    virt_core::delegate! {
        version => xen_version,
        max_vcpus => max_vcpus_for,
        hostname => host_name,
        node_free_memory => free_memory,
        node_info => read_node_info,
        list_domain_ids => running_ids,
    }

    fn num_of_domains(&self) -> Result<u32> {
        Ok(u32::try_from(self.active_names()?.len()).unwrap_or(u32::MAX))
    }

    virt_core::delegate! {
        list_defined_domains => inactive_names,
    }

    fn num_of_defined_domains(&self) -> Result<u32> {
        Ok(u32::try_from(self.inactive_names()?.len()).unwrap_or(u32::MAX))
    }

    virt_core::delegate! {
        list_all_domains => all_domains,
        domain_create_xml => create_xml,
        domain_define_xml => define_xml,
        domain_lookup_by_id => lookup_id,
        domain_lookup_by_name => lookup_name,
        domain_lookup_by_uuid => lookup_uuid,
        domain_undefine => undefine,
        domain_create => start,
    }

    fn domain_shutdown(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        self.may_change(
            flags,
            0,
            "xenUnifiedDomainShutdownFlags",
            "virDomainShutdown",
        )?;
        self.op_running(
            "virDomainShutdown",
            dom,
            &[("op", "shutdown"), ("reason", "halt")],
        )
    }

    fn domain_reboot(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        self.may_change(flags, 0, "xenUnifiedDomainReboot", "virDomainReboot")?;
        self.op_running(
            "virDomainReboot",
            dom,
            &[("op", "shutdown"), ("reason", "reboot")],
        )
    }

    fn domain_destroy(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        self.may_change(flags, 0, "xenUnifiedDomainDestroyFlags", "virDomainDestroy")?;
        self.op_running("virDomainDestroy", dom, &[("op", "destroy")])
    }

    fn domain_suspend(&self, dom: &DomainRef) -> Result<()> {
        self.refuse_read_only("virDomainSuspend")?;
        self.op_running("virDomainSuspend", dom, &[("op", "pause")])
    }

    fn domain_resume(&self, dom: &DomainRef) -> Result<()> {
        self.refuse_read_only("virDomainResume")?;
        self.op_running("virDomainResume", dom, &[("op", "unpause")])
    }

    fn domain_save(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<()> {
        self.may_change(flags, 0, "xenUnifiedDomainSaveFlags", "virDomainSave")?;
        if path.is_empty() {
            return Err(XendError::InvalidArg("no file to save to".into()).into());
        }
        self.op_running("virDomainSave", dom, &[("op", "save"), ("file", path)])
    }

    virt_core::delegate! {
        domain_restore => restore,
        domain_core_dump => core_dump,
        domain_get_info => info,
    }

    fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        Error::check_flags(ErrorDomain::Xen, flags, 0, "xenUnifiedDomainGetState")?;
        Ok((state_of(&self.describe(dom)?), 0))
    }

    virt_core::delegate! {
        domain_get_os_type => os_type,
    }

    fn domain_get_max_memory(&self, dom: &DomainRef) -> Result<u64> {
        Ok(mib_to_kib(self.describe(dom)?.node_int("domain/maxmem")))
    }

    virt_core::delegate! {
        domain_set_memory_flags => set_memory,
        domain_get_xml_desc => xml_desc,
        domain_set_vcpus_flags => set_vcpus,
        domain_get_vcpus_flags => vcpu_count,
        domain_get_vcpus => vcpu_info,
        domain_pin_vcpu => pin_vcpu,
    }

    fn domain_get_autostart(&self, dom: &DomainRef) -> Result<bool> {
        Ok(self.describe(dom)?.node("domain/on_xend_start") == Some("start"))
    }

    virt_core::delegate! {
        domain_set_autostart => set_autostart,
        domain_get_scheduler_type => scheduler_type,
        domain_get_scheduler_params => scheduler_params,
        domain_set_scheduler_params => set_scheduler_params,
    }

    fn domain_is_active(&self, dom: &DomainRef) -> Result<bool> {
        Ok(is_active(&self.describe(dom)?))
    }

    fn domain_is_persistent(&self, dom: &DomainRef) -> Result<bool> {
        // libvirt: with xend 3.0.4 and later, a domain xend knows is one
        // it keeps; before, only xm config files made domains persistent.
        self.describe(dom)?;
        Ok(self.config_format >= MANAGED_CONFIG_FORMAT)
    }

    virt_core::delegate! {
        domain_attach_device => attach_device,
        domain_detach_device => detach_device,
    }
}
