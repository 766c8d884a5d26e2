"""Print what the libvirt module answers to the calls virt-rs serves, one
line per call, in a form two implementations can be diffed on: run once
with python3-libvirt and once with virt-rs's module, the outputs must be
equal. Values that are clocks (CPU time) print as their type only.

Usage: python3 shapes.py   (the module found on sys.path is the one tested)
"""

import os
import re
import tempfile

import libvirt

libvirt.registerErrorHandler(lambda ctx, err: None, None)


def masked(text):
    # Generated UUIDs and temporary paths differ from run to run.
    text = re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", "<uuid>", text)
    return re.sub(re.escape(tempfile.gettempdir()) + r"/[^/']+", "<tmp>", text)


def show(label, f):
    try:
        v = f()
    except libvirt.libvirtError as e:
        # The whole error: code, domain, level, message, str1..3, int1..2.
        v = ("libvirtError", e.get_error_code(), e.get_error_domain(), e.get_error_level(),
             e.get_error_message(), e.err[4:])
        print(masked("%s -> %r" % (label, v)))
        return
    except Exception as e:  # a Python-level refusal (TypeError...) must match too
        v = (type(e).__name__,)
    print("%s -> %s %r" % (label, type(v).__name__, v))


def clockless(info):
    # info()'s last field is CPU time: its value is a clock, its type is not.
    return info[:4] + [type(info[4]).__name__]


conn = libvirt.open("test:///default")
dom = conn.lookupByName("test")
show("getType", conn.getType)
show("getVersion", conn.getVersion)
show("getLibVersion", conn.getLibVersion)
show("getURI", conn.getURI)
show("getInfo", conn.getInfo)
show("getCPUMap", conn.getCPUMap)
show("getCellsFreeMemory", lambda: conn.getCellsFreeMemory(0, 2))
show("getFreeMemory", conn.getFreeMemory)
show("getSecurityModel", conn.getSecurityModel)
show("getMaxVcpus", lambda: conn.getMaxVcpus(None))
show("isAlive", conn.isAlive)
show("listDomainsID", conn.listDomainsID)
show("numOfDomains", conn.numOfDomains)
show("listDefinedDomains", conn.listDefinedDomains)
show("numOfDefinedDomains", conn.numOfDefinedDomains)
show("listAllDomains names", lambda: [d.name() for d in conn.listAllDomains()])

# Checkpoints (the running domain has no snapshot yet); removed afterwards.
CK = libvirt


def ckxml(c, flags=0):
    return re.sub(r"<creationTime>\d+", "<creationTime>", c.getXMLDesc(flags))


show("checkpointCreateXML", lambda: dom.checkpointCreateXML("<domaincheckpoint><name>k1</name></domaincheckpoint>").getName())
show("checkpointCreateXML child", lambda: dom.checkpointCreateXML(
    "<domaincheckpoint><name>k2</name><description>d &amp; e</description>"
    "<disks><disk name='vda' bitmap='b2'/></disks></domaincheckpoint>").getName())
show("checkpointCreateXML unnamed", lambda: dom.checkpointCreateXML("<domaincheckpoint/>").getName().isdigit())
show("listAllCheckpoints", lambda: len(dom.listAllCheckpoints()))
show("listAllCheckpoints roots", lambda: [c.getName() for c in dom.listAllCheckpoints(CK.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS)])
# Without TOPOLOGICAL libvirt lists in its hash table's order: compare sorted.
show("listAllCheckpoints no leaves", lambda: sorted(c.getName() for c in dom.listAllCheckpoints(CK.VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES)))
show("listAllCheckpoints bad flag", lambda: dom.listAllCheckpoints(1 << 7))
show("checkpoint parent", lambda: dom.checkpointLookupByName("k2").getParent().getName())
show("checkpoint root parent", lambda: dom.checkpointLookupByName("k1").getParent())
show("checkpoint children", lambda: [c.getName() for c in dom.checkpointLookupByName("k1").listAllChildren()])
show("checkpoint descendants", lambda: len(dom.checkpointLookupByName("k1").listAllChildren(CK.VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS)))
show("checkpoint domain", lambda: dom.checkpointLookupByName("k1").domain().name())
show("checkpoint XML no domain", lambda: ckxml(dom.checkpointLookupByName("k2"), CK.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN))
show("checkpoint XML size", lambda: ckxml(dom.checkpointLookupByName("k2"), CK.VIR_DOMAIN_CHECKPOINT_XML_SIZE | CK.VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN))
show("checkpoint XML whole", lambda: ckxml(dom.checkpointLookupByName("k1")))
show("checkpoint XML bad flag", lambda: dom.checkpointLookupByName("k1").getXMLDesc(1 << 5))
show("checkpoint lookup missing", lambda: dom.checkpointLookupByName("nope"))
show("checkpoint same name", lambda: dom.checkpointCreateXML("<domaincheckpoint><name>k1</name></domaincheckpoint>"))
show("checkpoint unknown element", lambda: dom.checkpointCreateXML("<domaincheckpoint><foo/></domaincheckpoint>"))
show("checkpoint bad name", lambda: dom.checkpointCreateXML("<domaincheckpoint><name>a/b</name></domaincheckpoint>"))
show("checkpoint bad root", lambda: dom.checkpointCreateXML("<domainsnapshot/>"))
show("checkpoint malformed", lambda: dom.checkpointCreateXML("<domaincheckpoint"))
show("checkpoint unknown disk", lambda: dom.checkpointCreateXML("<domaincheckpoint><disks><disk name='vdz'/></disks></domaincheckpoint>"))
show("checkpoint redefine and quiesce", lambda: dom.checkpointCreateXML("<domaincheckpoint/>", CK.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE | CK.VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE))
show("checkpoint validate alone", lambda: dom.checkpointCreateXML("<domaincheckpoint/>", CK.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE))
show("checkpoint redefine nameless", lambda: dom.checkpointCreateXML("<domaincheckpoint/>", CK.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE))
show("checkpoint redefine timeless", lambda: dom.checkpointCreateXML("<domaincheckpoint><name>r</name></domaincheckpoint>", CK.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE))
show("checkpoint redefine own parent", lambda: dom.checkpointCreateXML(
    "<domaincheckpoint><name>r</name><creationTime>5</creationTime><parent><name>r</name></parent></domaincheckpoint>",
    CK.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE))
show("checkpoint redefine", lambda: ckxml(dom.checkpointCreateXML(
    "<domaincheckpoint><name>r</name><creationTime>5</creationTime><parent><name>k1</name></parent>"
    "<disks><disk name='vda'/></disks></domaincheckpoint>", CK.VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)))
show("snapshot while checkpoint", lambda: dom.snapshotCreateXML("<domainsnapshot/>"))
show("checkpoint delete both", lambda: dom.checkpointLookupByName("k1").delete(
    CK.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN | CK.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY))
show("checkpoint delete children only", lambda: dom.checkpointLookupByName("k1").delete(CK.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY))
show("listAllCheckpoints after", lambda: len(dom.listAllCheckpoints()))
show("checkpoint delete rest", lambda: [c.delete(CK.VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN) for c in dom.listAllCheckpoints(CK.VIR_DOMAIN_CHECKPOINT_LIST_ROOTS)])
show("listAllCheckpoints none", dom.listAllCheckpoints)
show("listAllDomains type", lambda: type(conn.listAllDomains()[0]) is libvirt.virDomain)
show("listNetworks", conn.listNetworks)
show("listDefinedNetworks", conn.listDefinedNetworks)
show("numOfNetworks", conn.numOfNetworks)
show("listStoragePools", conn.listStoragePools)
show("numOfStoragePools", conn.numOfStoragePools)
show("lookupByName missing", lambda: conn.lookupByName("nosuch"))
show("lookupByID missing", lambda: conn.lookupByID(99))
show("lookupByUUIDString bad", lambda: conn.lookupByUUIDString("not-a-uuid"))
show("lookupByName int", lambda: conn.lookupByName(123))
show("lookupByName None", lambda: conn.lookupByName(None))
show("lookupByID -1", lambda: conn.lookupByID(-1))
show("lookupByID str", lambda: conn.lookupByID("1"))
show("defineXML None", lambda: conn.defineXML(None))
show("createXML None", lambda: conn.createXML(None, 0))
show("networkLookupByName None", lambda: conn.networkLookupByName(None))
show("storagePoolLookupByName None", lambda: conn.storagePoolLookupByName(None))
show("restore None", lambda: conn.restore(None))
show("open int", lambda: libvirt.open(5))
show("XMLDesc str", lambda: dom.XMLDesc("0"))
show("lookupByUUID", lambda: conn.lookupByUUID(dom.UUID()).name())
show("lookupByUUIDString", lambda: conn.lookupByUUIDString(dom.UUIDString()).name())
show("lookupByID", lambda: conn.lookupByID(dom.ID()).name())

show("name", dom.name)
show("ID", dom.ID)
show("UUID", dom.UUID)
show("UUIDString", dom.UUIDString)
show("OSType", dom.OSType)
show("info", lambda: clockless(dom.info()))
show("state", dom.state)
show("maxMemory", dom.maxMemory)
show("maxVcpus", dom.maxVcpus)
show("vcpusFlags", lambda: dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_LIVE))
show("vcpus cpumaps", lambda: dom.vcpus()[1])
show("vcpus info", lambda: [(n, s, type(t).__name__, c) for (n, s, t, c) in dom.vcpus()[0]])
show("vcpuPinInfo", lambda: dom.vcpuPinInfo(0))
show("autostart", dom.autostart)
show("isActive", dom.isActive)
show("isPersistent", dom.isPersistent)
show("hasManagedSaveImage", dom.hasManagedSaveImage)
show("schedulerType", dom.schedulerType)
show("schedulerParameters", dom.schedulerParameters)
show("setSchedulerParameters", lambda: dom.setSchedulerParameters({"weight": 100}))
show("schedulerParameters after", dom.schedulerParameters)
show("securityLabel", dom.securityLabel)
show("connect is conn", lambda: dom.connect() is conn)
show("handles equal", lambda: conn.lookupByName("test") == conn.lookupByName("test"))
show("handle hashable", lambda: len({dom: 1, conn.lookupByName("test"): 2}))
show("suspend", dom.suspend)
show("state paused", dom.state)
show("suspend again", dom.suspend)
show("resume", dom.resume)
show("setMemory zero", lambda: dom.setMemory(0))
show("setMemory", lambda: dom.setMemory(1048576))
show("info after setMemory", lambda: clockless(dom.info()))
show("setVcpusFlags config", lambda: dom.setVcpusFlags(1, libvirt.VIR_DOMAIN_AFFECT_CONFIG))
show("vcpusFlags config", lambda: dom.vcpusFlags(libvirt.VIR_DOMAIN_AFFECT_CONFIG))
show("pinVcpu", lambda: dom.pinVcpu(0, (True, False, True)))
show("vcpuPinInfo after pin", lambda: dom.vcpuPinInfo(0))

xml = """<domain type='test'>
  <name>py-one</name>
  <memory>131072</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
</domain>"""
show("defineXML bad", lambda: conn.defineXML("<domain>"))
new = conn.defineXML(xml)
show("defined name", new.name)
show("defined ID", new.ID)
show("defined state", new.state)
show("defined isPersistent", new.isPersistent)
show("listDefinedDomains after define", conn.listDefinedDomains)
show("create", new.create)
show("created ID", new.ID)
show("created state", new.state)
show("reboot", new.reboot)
show("shutdown", new.shutdown)
show("state after shutdown", new.state)
show("create again", new.create)
show("destroy", new.destroy)
show("destroyed ID", new.ID)
show("destroy again", new.destroy)
show("setAutostart", lambda: new.setAutostart(1))
show("autostart after set", new.autostart)
show("undefine", new.undefine)
show("undefine again", new.undefine)
show("listDefinedDomains after undefine", conn.listDefinedDomains)

transient = conn.createXML(xml.replace("py-one", "py-two"), 0)
show("createXML name", transient.name)
show("createXML isPersistent", transient.isPersistent)
show("createXML XMLDesc has name", lambda: "<name>py-two</name>" in transient.XMLDesc(0))
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "py-two.save")
    show("save", lambda: transient.save(path))
    show("saved state", lambda: conn.lookupByName("py-two").state())
    show("restore", lambda: conn.restore(path))
    show("restored state", lambda: conn.lookupByName("py-two").state())
    show("restore missing", lambda: conn.restore(os.path.join(d, "nosuch")))
show("destroy transient", lambda: conn.lookupByName("py-two").destroy())
show("transient gone", lambda: conn.lookupByName("py-two"))

net = conn.networkLookupByName("default")
show("net name", net.name)
show("net UUIDString", net.UUIDString)
show("net isActive", net.isActive)
show("net isPersistent", net.isPersistent)
show("net autostart", net.autostart)
show("net bridgeName", net.bridgeName)
show("net missing", lambda: conn.networkLookupByName("nosuch"))
show("listAllNetworks", lambda: [n.name() for n in conn.listAllNetworks()])
show("networkLookupByUUID", lambda: conn.networkLookupByUUID(net.UUID()).name())
show("networkLookupByUUIDString", lambda: conn.networkLookupByUUIDString(net.UUIDString()).name())
show("networkLookupByUUIDString bad", lambda: conn.networkLookupByUUIDString("nope"))
show("networkLookupByUUIDString None", lambda: conn.networkLookupByUUIDString(None))
netxml = """<network>
  <name>py-net</name>
  <bridge name="virbr9"/>
  <ip address="192.168.199.1" netmask="255.255.255.0"/>
</network>"""
show("networkDefineXML None", lambda: conn.networkDefineXML(None))
show("networkDefineXMLFlags None", lambda: conn.networkDefineXMLFlags(None, 0))
show("networkDefineXML junk", lambda: conn.networkDefineXML("<network>"))
pynet = conn.networkDefineXML(netxml)
show("defined net name", pynet.name)
show("defined net isActive", pynet.isActive)
show("defined net isPersistent", pynet.isPersistent)
show("defined net create", pynet.create)
show("defined net create again", pynet.create)
show("defined net isActive after create", pynet.isActive)
show("defined net setAutostart", lambda: pynet.setAutostart(1))
show("defined net autostart", pynet.autostart)
show("defined net unset autostart", lambda: pynet.setAutostart(0))
show("defined net destroy", pynet.destroy)
show("defined net destroy again", pynet.destroy)
show("defined net undefine", pynet.undefine)
show("defined net gone", lambda: conn.networkLookupByName("py-net"))
show("networkDefineXMLFlags", lambda: conn.networkDefineXMLFlags(netxml, 0).undefine())
show("networkCreateXML None", lambda: conn.networkCreateXML(None))
show("networkCreateXMLFlags None", lambda: conn.networkCreateXMLFlags(None, 0))
made = conn.networkCreateXML(netxml.replace("py-net", "py-net2").replace("virbr9", "virbr8"))
show("created net isActive", made.isActive)
show("created net isPersistent", made.isPersistent)
show("created net undefine", made.undefine)
show("created net destroy", made.destroy)
show("created net gone", lambda: conn.networkLookupByName("py-net2"))
show("networkCreateXMLFlags", lambda: conn.networkCreateXMLFlags(netxml, 0).destroy())

pool = conn.storagePoolLookupByName("default-pool")
show("pool name", pool.name)
show("pool UUIDString", pool.UUIDString)
show("pool info", pool.info)
show("pool isActive", pool.isActive)
show("pool isPersistent", pool.isPersistent)
show("pool autostart", pool.autostart)
show("pool missing", lambda: conn.storagePoolLookupByName("nosuch"))
show("listAllStoragePools", lambda: [p.name() for p in conn.listAllStoragePools()])

show("pool listVolumes", pool.listVolumes)
show("pool numOfVolumes", pool.numOfVolumes)
volxml = """<volume type="file">
  <name>py.img</name>
  <allocation unit="M">10</allocation>
  <capacity unit="M">1000</capacity>
</volume>"""
show("vol createXML None", lambda: pool.createXML(None))
vol = pool.createXML(volxml)
show("vol name", vol.name)
show("vol key", vol.key)
show("vol path", vol.path)
show("vol info", vol.info)
show("vol XMLDesc has name", lambda: "<name>py.img</name>" in vol.XMLDesc(0))
show("vol createXML again", lambda: pool.createXML(volxml))
show("pool listVolumes after", pool.listVolumes)
show("vol lookup by name", lambda: pool.storageVolLookupByName("py.img").key())
show("vol lookup missing", lambda: pool.storageVolLookupByName("nosuch"))
show("vol lookup by key", lambda: conn.storageVolLookupByKey(vol.key()).name())
show("vol lookup by path", lambda: conn.storageVolLookupByPath(vol.path()).name())
show("vol pool", lambda: vol.storagePoolLookupByVolume().name())
show("vol resize", lambda: vol.resize(2000 * 1024 * 1024))
show("vol info after resize", vol.info)
show("vol wipe", vol.wipe)
clone = volxml.replace("py.img", "py-clone.img")
show("vol createXMLFrom", lambda: pool.createXMLFrom(clone, vol, 0).name())
show("vol delete", vol.delete)
show("vol delete again", vol.delete)
show("pool listVolumes after delete", pool.listVolumes)
show("pool by UUIDString", lambda: conn.storagePoolLookupByUUIDString(pool.UUIDString()).name())
show("pool by UUIDString bad", lambda: conn.storagePoolLookupByUUIDString("nope"))
show("pool by UUID", lambda: conn.storagePoolLookupByUUID(pool.UUID()).name())
show("pool refresh", pool.refresh)
poolxml = """<pool type='dir'><name>py-pool</name>
  <target><path>/nonexistent-py-pool</path></target></pool>"""
newpool = conn.storagePoolDefineXML(poolxml, 0)
show("pool defined", lambda: (newpool.name(), newpool.isActive(), newpool.isPersistent()))
show("pool setAutostart", lambda: newpool.setAutostart(1))
show("pool autostart", newpool.autostart)
show("pool undefine", newpool.undefine)
show("pool after undefine", lambda: conn.storagePoolLookupByName("py-pool"))

ro = libvirt.openReadOnly("test:///default")
show("read-only suspend", lambda: ro.lookupByName("test").suspend())
show("read-only defineXML", lambda: ro.defineXML(xml))
show("open bad uri", lambda: libvirt.open("nosuch:///"))
show("getVersion", libvirt.getVersion)
show("constants", lambda: (libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_ERR_NO_DOMAIN, libvirt.VIR_FROM_TEST,
                           libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE, libvirt.VIR_DOMAIN_XML_INACTIVE))

# A stream belongs to its connection: using it with another is refused
# (after the read-only refusal), as libvirt's library does.
other = libvirt.open("test:///default")
foreign = other.newStream(0)
show("screenshot other stream", lambda: dom.screenshot(foreign, 0, 0))
show("openConsole other stream", lambda: dom.openConsole(None, foreign, 0))
stvol = conn.storagePoolLookupByName("default-pool").createXML(
    "<volume><name>py-stream.img</name><capacity>1024</capacity></volume>", 0)
show("upload other stream", lambda: stvol.upload(foreign, 0, 0, 0))
show("download other stream", lambda: stvol.download(foreign, 0, 0, 0))
show("read-only screenshot other stream", lambda: ro.lookupByName("test").screenshot(foreign, 0, 0))
show("read-only download other stream", lambda: ro.storageVolLookupByPath(stvol.path()).download(foreign, 0, 0, 0))
show("stream vol delete", stvol.delete)
show("close other", other.close)
show("close ro", ro.close)
show("close with handles", conn.close)
