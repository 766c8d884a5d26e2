# Snapshot creation and every kind of revert on test:///default's domain
# "test", printing per step the result, the lifecycle events it caused
# and the domain's state afterwards. Run by snapshot_events.rs with
# Debian's python3-libvirt against libvirt's own test driver and against
# virt-proxy; the two transcripts must be the same.
import libvirt
import sys
import threading
import time

libvirt.virEventRegisterDefaultImpl()
libvirt.registerErrorHandler(lambda *a: None, None)
conn = libvirt.open(sys.argv[1])
events = []
conn.domainEventRegisterAny(
    None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
    lambda c, dom, event, detail, opaque: events.append((dom.name(), event, detail)),
    None)
threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)],
                 daemon=True).start()
dom = conn.lookupByName("test")
R = libvirt


def step(name, call):
    seen = len(events)
    try:
        call()
        result = "ok"
    except libvirt.libvirtError as e:
        result = "error %d" % e.get_error_code()
    time.sleep(0.3)
    print(name, result, events[seen:], dom.state())


def create(name, flags=0):
    return lambda: dom.snapshotCreateXML(
        "<domainsnapshot><name>%s</name></domainsnapshot>" % name, flags)


def revert(name, flags=0):
    return lambda: dom.revertToSnapshot(dom.snapshotLookupByName(name), flags)


step("snapshot running", create("run"))
step("suspend", dom.suspend)
step("snapshot paused", create("pau"))
step("resume", dom.resume)
step("running to paused", revert("pau"))
step("paused to running", revert("run"))
step("running, asked paused", revert("run", R.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED))
step("destroy", dom.destroy)
step("snapshot shut off", create("off"))
step("shut off to running", revert("run"))
step("running to shut off", revert("off"))
step("shut off, asked running", revert("off", R.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING))
step("shut off, asked running, forced",
     revert("off", R.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | R.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE))
step("to paused", revert("pau"))
step("shut off, asked paused, forced",
     revert("off", R.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED | R.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE))
step("snapshot with halt", create("halt", R.VIR_DOMAIN_SNAPSHOT_CREATE_HALT))
step("shut off to paused", revert("pau"))
step("paused to shut off", revert("off"))
