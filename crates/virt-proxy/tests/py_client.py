#!/usr/bin/python3
"""Drive a libvirt connection with python3-libvirt the way scripts do, and
print every answer as one JSON document (CPU times masked), so that the run
through virt-proxy can be compared with the same run on libvirt's own
in-process test driver.

    py_client.py URI
"""
import json
import sys

import libvirt

uri = sys.argv[1]
out = {}
libvirt.registerErrorHandler(lambda ctx, err: None, None)


def err(fn):
    try:
        fn()
        return None
    except libvirt.libvirtError as e:
        return [e.get_error_code(), e.get_error_domain(), e.get_error_message()]


def info(d):
    i = d.info()
    i[4] = "<cpu time>"
    return i


NEWDOM = """<domain type='test'>
  <name>pyguest</name>
  <uuid>3c6b2a0e-5d1f-4a57-9a1d-0d3c2b1a4e5f</uuid>
  <memory unit='KiB'>65536</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
</domain>"""

c = libvirt.open(uri)
out["type"] = c.getType()
out["hostname_nonempty"] = bool(c.getHostname())
out["uri"] = c.getURI()
out["node"] = c.getInfo()
out["lib_version"] = c.getLibVersion()
d = c.lookupByName("test")
out["by_name"] = [d.name(), d.ID(), d.UUIDString()]
out["by_id"] = c.lookupByID(d.ID()).name()
out["by_uuid"] = c.lookupByUUIDString(d.UUIDString()).name()
out["info"] = info(d)
out["state"] = d.state()
out["xml"] = d.XMLDesc(0)
out["xml_inactive"] = d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
out["list"] = sorted(x.name() for x in c.listAllDomains())
out["lookup_missing"] = err(lambda: c.lookupByName("nosuch"))

g = c.defineXML(NEWDOM)
out["defined"] = [g.name(), g.ID(), g.UUIDString(), g.isActive(), g.isPersistent()]
out["list_after_define"] = sorted(x.name() for x in c.listAllDomains())


def stats(*args):
    return sorted((d.name(), s) for d, s in c.getAllDomainStats(*args))


out["all_stats"] = stats()
out["state_stats"] = stats(libvirt.VIR_DOMAIN_STATS_STATE)
out["active_stats"] = stats(0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)
out["inactive_stats"] = stats(0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE)
out["balloon_stats"] = stats(libvirt.VIR_DOMAIN_STATS_BALLOON)
out["enforced_stats"] = err(lambda: c.getAllDomainStats(
    libvirt.VIR_DOMAIN_STATS_BALLOON, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS))
out["list_stats"] = sorted((d.name(), s) for d, s in c.domainListGetStats([d], 0))
g.create()
out["created"] = [g.isActive(), info(g), g.state()]
g.suspend()
out["suspended"] = g.state()
out["suspend_twice"] = err(g.suspend)
g.resume()
out["resumed"] = g.state()
g.destroy()
out["destroyed"] = [g.isActive(), g.state()]
g.undefine()
out["undefined"] = sorted(x.name() for x in c.listAllDomains())
out["undefine_gone"] = err(lambda: c.lookupByName("pyguest"))

out["networks"] = sorted(n.name() for n in c.listAllNetworks())
n = c.networkLookupByName("default")
out["network"] = [n.name(), n.isActive(), n.isPersistent(), n.autostart(), n.bridgeName()]
out["network_xml"] = n.XMLDesc(0)
out["pools"] = sorted(p.name() for p in c.listAllStoragePools())
p = c.storagePoolLookupByName("default-pool")
out["pool"] = [p.name(), p.isActive(), p.isPersistent(), p.autostart(), p.info()]
out["pool_xml"] = p.XMLDesc(0)
c.close()

r = libvirt.openReadOnly(uri)
rd = r.lookupByName("test")
out["ro_info"] = info(rd)
out["ro_destroy"] = err(rd.destroy)
out["ro_define"] = err(lambda: r.defineXML(NEWDOM))
out["ro_state_after"] = rd.state()
r.close()

print(json.dumps(out, indent=1, sort_keys=True))
