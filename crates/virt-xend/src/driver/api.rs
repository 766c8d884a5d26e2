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

    fn version(&self) -> Result<u64> {
        self.xen_version()
    }

    fn max_vcpus(&self, guest_type: Option<&str>) -> Result<u32> {
        self.max_vcpus_for(guest_type)
    }

    fn hostname(&self) -> Result<String> {
        self.host_name()
    }

    fn node_free_memory(&self) -> Result<u64> {
        self.free_memory()
    }

    fn node_info(&self) -> Result<NodeInfo> {
        self.read_node_info()
    }

    fn list_domain_ids(&self) -> Result<Vec<u32>> {
        self.running_ids()
    }

    fn num_of_domains(&self) -> Result<u32> {
        Ok(u32::try_from(self.active_names()?.len()).unwrap_or(u32::MAX))
    }

    fn list_defined_domains(&self) -> Result<Vec<String>> {
        self.inactive_names()
    }

    fn num_of_defined_domains(&self) -> Result<u32> {
        Ok(u32::try_from(self.inactive_names()?.len()).unwrap_or(u32::MAX))
    }

    fn list_all_domains(&self, flags: u32) -> Result<Vec<DomainRef>> {
        self.all_domains(flags)
    }

    fn domain_create_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        self.create_xml(xml, flags)
    }

    fn domain_define_xml(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        self.define_xml(xml, flags)
    }

    fn domain_lookup_by_id(&self, id: u32) -> Result<DomainRef> {
        self.lookup_id(id)
    }

    fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        self.lookup_name(name)
    }

    fn domain_lookup_by_uuid(&self, uuid: &Uuid) -> Result<DomainRef> {
        self.lookup_uuid(uuid)
    }

    fn domain_undefine(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        self.undefine(dom, flags)
    }

    fn domain_create(&self, dom: &DomainRef, flags: u32) -> Result<DomainRef> {
        self.start(dom, flags)
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

    fn domain_restore(&self, path: &str, flags: u32) -> Result<DomainRef> {
        self.restore(path, flags)
    }

    fn domain_core_dump(&self, dom: &DomainRef, path: &str, flags: u32) -> Result<()> {
        self.core_dump(dom, path, flags)
    }

    fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        self.info(dom)
    }

    fn domain_get_state(&self, dom: &DomainRef, flags: u32) -> Result<(DomainState, i32)> {
        Error::check_flags(ErrorDomain::Xen, flags, 0, "xenUnifiedDomainGetState")?;
        Ok((state_of(&self.describe(dom)?), 0))
    }

    fn domain_get_os_type(&self, dom: &DomainRef) -> Result<String> {
        self.os_type(dom)
    }

    fn domain_get_max_memory(&self, dom: &DomainRef) -> Result<u64> {
        Ok(mib_to_kib(self.describe(dom)?.node_int("domain/maxmem")))
    }

    fn domain_set_memory_flags(&self, dom: &DomainRef, kib: u64, flags: u32) -> Result<()> {
        self.set_memory(dom, kib, flags)
    }

    fn domain_get_xml_desc(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        self.xml_desc(dom, flags)
    }

    fn domain_set_vcpus_flags(&self, dom: &DomainRef, nvcpus: u32, flags: u32) -> Result<()> {
        self.set_vcpus(dom, nvcpus, flags)
    }

    fn domain_get_vcpus_flags(&self, dom: &DomainRef, flags: u32) -> Result<u32> {
        self.vcpu_count(dom, flags)
    }

    fn domain_get_vcpus(&self, dom: &DomainRef) -> Result<Vec<VcpuInfo>> {
        self.vcpu_info(dom)
    }

    fn domain_pin_vcpu(&self, dom: &DomainRef, vcpu: u32, map: &CpuMap, flags: u32) -> Result<()> {
        self.pin_vcpu(dom, vcpu, map, flags)
    }

    fn domain_get_autostart(&self, dom: &DomainRef) -> Result<bool> {
        Ok(self.describe(dom)?.node("domain/on_xend_start") == Some("start"))
    }

    fn domain_set_autostart(&self, dom: &DomainRef, autostart: bool) -> Result<()> {
        self.set_autostart(dom, autostart)
    }

    fn domain_get_scheduler_type(&self, dom: &DomainRef) -> Result<(String, u32)> {
        self.scheduler_type(dom)
    }

    fn domain_get_scheduler_params(&self, dom: &DomainRef, flags: u32) -> Result<Vec<TypedParam>> {
        self.scheduler_params(dom, flags)
    }

    fn domain_set_scheduler_params(
        &self,
        dom: &DomainRef,
        params: &[TypedParam],
        flags: u32,
    ) -> Result<()> {
        self.set_scheduler_params(dom, params, flags)
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

    fn domain_attach_device(&self, dom: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        self.attach_device(dom, xml, flags)
    }

    fn domain_detach_device(&self, dom: &DomainRef, xml: &str, flags: u32) -> Result<()> {
        self.detach_device(dom, xml, flags)
    }
}
