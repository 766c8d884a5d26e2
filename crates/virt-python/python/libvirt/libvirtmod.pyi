"""Type stubs for libvirt.libvirtmod, the native half of virt-rs's libvirt module.

Written by gen_stubs.py from the built module.
"""

from typing import Any, Dict, List, Optional, Tuple, Union

_RawError = Tuple[int, int, str, int, Optional[str], Optional[str], Optional[str], int, int]


class virConnect:
    """A connection to a hypervisor (libvirt-python's `virConnect`)."""

    def close(self) -> int:
        """Close the connection. As libvirt's `virConnectClose`: 1 when handles
        made from it still hold it open, 0 when it is gone, -1 when it was
        already closed."""

    def __enter__(self) -> virConnect:
        ...

    def __exit__(self, *_args) -> None:
        ...

    def getType(self) -> str:
        """The hypervisor type ("TEST", "QEMU", "Xen")."""

    def getVersion(self) -> int:
        """The hypervisor's version, `major * 1000000 + minor * 1000 + micro`."""

    def getLibVersion(self) -> int:
        """The library's version."""

    def getHostname(self) -> str:
        """The node's host name."""

    def getURI(self) -> str:
        """The connection's canonical URI."""

    def getCapabilities(self) -> str:
        """The capabilities XML."""

    def getDomainCapabilities(self, emulatorbin=None, arch=None, machine=None, virttype=None, flags=0) -> int:
        """The domain capabilities XML of an emulator binary, architecture,
        machine type and virtualization type (each `None`: the default)."""

    def getMaxVcpus(self, type=...) -> int:
        """The most vCPUs a guest of `type` may have."""

    def getInfo(self) -> List[Any]:
        """`[model, memory MiB, cpus, MHz, NUMA nodes, sockets, cores, threads]`."""

    def getCellsFreeMemory(self, start, max) -> List[int]:
        """Free memory in bytes of NUMA cells `startCell..startCell+maxCells`."""

    def getCPUMap(self, flags=0) -> Tuple[int, List[bool], int]:
        """`(host CPUs, [online per CPU], number online)`."""

    def getFreeMemory(self) -> int:
        """Free memory on the node, bytes."""

    def getSecurityModel(self) -> List[str]:
        """`[model, doi]` of the node's security driver."""

    def getMemoryStats(self, cellNum, flags=0) -> Dict[str, int]:
        """The memory figures of NUMA cell `cellNum` (or of the whole node,
        `VIR_NODE_MEMORY_STATS_ALL_CELLS`), KiB by name ("total", "free",
        "buffers", "cached")."""

    def domainEventRegisterAny(self, dom, eventID, cb, opaque) -> int:
        """Call `cb(conn, dom, ..., opaque)` for each event `eventID`
        (`VIR_DOMAIN_EVENT_ID_*`) of `dom`, or of every domain when None,
        from the event loop; the callback id."""

    def domainEventDeregisterAny(self, callbackID) -> int:
        """Remove a registration of `domainEventRegisterAny`."""

    def domainEventRegister(self, cb, opaque) -> int:
        """The oldest form: `cb(conn, dom, event, detail, opaque)` for every
        lifecycle event."""

    def domainEventDeregister(self, cb) -> int:
        """Remove the `domainEventRegister` registrations of `cb`."""

    def networkEventRegisterAny(self, net, eventID, cb, opaque) -> int:
        """Call `cb(conn, net, event, detail, opaque)` for each event
        `eventID` (`VIR_NETWORK_EVENT_ID_*`) of `net` or every network."""

    def networkEventDeregisterAny(self, callbackID) -> int:
        """Remove a registration of `networkEventRegisterAny`."""

    def registerCloseCallback(self, cb, opaque) -> int:
        """Call `cb(conn, reason, opaque)` from the event loop when the
        connection ends for a reason of its own (`VIR_CONNECT_CLOSE_REASON_*`)."""

    def unregisterCloseCallback(self) -> int:
        """Forget the close callback."""

    def isAlive(self) -> int:
        """1 while the connection is open."""

    def listDomainsID(self) -> List[int]:
        """Ids of the running domains."""

    def numOfDomains(self) -> int:
        """Number of running domains."""

    def listDefinedDomains(self) -> List[str]:
        """Names of the defined, inactive domains."""

    def numOfDefinedDomains(self) -> int:
        """Number of defined, inactive domains."""

    def listAllDomains(self, flags=0) -> List[virDomain]:
        """Every domain passing `flags` (`VIR_CONNECT_LIST_DOMAINS_*`)."""

    def createXML(self, xmlDesc, flags=0) -> virDomain:
        """Create and start a transient domain from XML."""

    def createLinux(self, xmlDesc, flags=0) -> virDomain:
        """The old name of `createXML`."""

    def defineXML(self, xml) -> virDomain:
        """Define (or redefine) a persistent domain from XML."""

    def defineXMLFlags(self, xml, flags=0) -> virDomain:
        """Define with flags (`VIR_DOMAIN_DEFINE_VALIDATE`)."""

    def lookupByID(self, id) -> virDomain:
        """The running domain with this id."""

    def lookupByName(self, name) -> virDomain:
        """The domain with this name."""

    def lookupByUUID(self, uuid) -> virDomain:
        """The domain with this UUID (16 raw bytes)."""

    def lookupByUUIDString(self, uuidstr) -> virDomain:
        """The domain with this UUID string."""

    def restore(self, frm) -> int:
        """Restore a domain saved to the file `frm`; returns 0."""

    def restoreFlags(self, frm, dxml=None, flags=0) -> int:
        """Restore with flags and optionally a replacement definition; returns 0."""

    def listAllInterfaces(self, flags=0) -> List[virInterface]:
        """Every host interface passing `flags`."""

    def interfaceLookupByName(self, name) -> virInterface:
        """The host interface with this name."""

    def interfaceLookupByMACString(self, macstr) -> virInterface:
        """The host interface with this MAC address."""

    def interfaceDefineXML(self, xml, flags=0) -> virInterface:
        """Define (or redefine) a host interface."""

    def listInterfaces(self) -> List[str]:
        """Names of the active host interfaces."""

    def listDefinedInterfaces(self) -> List[str]:
        """Names of the inactive host interfaces."""

    def numOfInterfaces(self) -> int:
        """Number of active host interfaces."""

    def numOfDefinedInterfaces(self) -> int:
        """Number of inactive host interfaces."""

    def changeBegin(self, flags=0) -> int:
        """Begin an interface change transaction; returns 0."""

    def changeCommit(self, flags=0) -> int:
        """Keep the transaction's interface changes; returns 0."""

    def changeRollback(self, flags=0) -> int:
        """Undo the transaction's interface changes; returns 0."""

    def listAllDevices(self, flags=0) -> List[virNodeDevice]:
        """Every node device passing `flags`."""

    def listDevices(self, cap, flags=0) -> List[str]:
        """Names of the node devices, those with capability `cap` when given."""

    def numOfDevices(self, cap, flags=0) -> int:
        """Number of node devices, those with capability `cap` when given."""

    def nodeDeviceLookupByName(self, name) -> virNodeDevice:
        """The node device with this name."""

    def nodeDeviceCreateXML(self, xmlDesc, flags=0) -> virNodeDevice:
        """Create a transient node device from XML."""

    def nodeDeviceDefineXML(self, xml, flags=0) -> virNodeDevice:
        """Define a persistent node device from XML."""

    def listAllNetworks(self, flags=0) -> List[virNetwork]:
        """Every virtual network passing `flags`."""

    def networkLookupByName(self, name) -> virNetwork:
        """The virtual network with this name."""

    def networkLookupByUUID(self, uuid) -> virNetwork:
        """The virtual network with this UUID (16 raw bytes)."""

    def networkLookupByUUIDString(self, uuidstr) -> virNetwork:
        """The virtual network with this UUID string."""

    def networkDefineXML(self, xml) -> virNetwork:
        """Define (or redefine) a persistent virtual network from XML."""

    def networkDefineXMLFlags(self, xml, flags=0) -> virNetwork:
        """Define with flags (`VIR_NETWORK_DEFINE_VALIDATE`)."""

    def networkCreateXML(self, xmlDesc) -> virNetwork:
        """Create and start a transient virtual network from XML."""

    def networkCreateXMLFlags(self, xmlDesc, flags=0) -> virNetwork:
        """Create with flags (`VIR_NETWORK_CREATE_VALIDATE`)."""

    def listNetworks(self) -> List[str]:
        """Names of the active networks."""

    def listDefinedNetworks(self) -> List[str]:
        """Names of the inactive networks."""

    def numOfNetworks(self) -> int:
        """Number of active networks."""

    def numOfDefinedNetworks(self) -> int:
        """Number of inactive networks."""

    def listAllStoragePools(self, flags=0) -> List[virStoragePool]:
        """Every storage pool passing `flags`."""

    def storagePoolLookupByName(self, name) -> virStoragePool:
        """The storage pool with this name."""

    def storagePoolLookupByUUID(self, uuid) -> virStoragePool:
        """The storage pool with this UUID (16 raw bytes)."""

    def storagePoolLookupByUUIDString(self, uuidstr) -> virStoragePool:
        """The storage pool with this UUID string."""

    def storagePoolDefineXML(self, xml, flags=0) -> virStoragePool:
        """Define a persistent storage pool from XML."""

    def storagePoolCreateXML(self, xmlDesc, flags=0) -> virStoragePool:
        """Create and start a transient storage pool from XML."""

    def storageVolLookupByKey(self, key) -> virStorageVol:
        """The storage volume with this key."""

    def storageVolLookupByPath(self, path) -> virStorageVol:
        """The storage volume at this path."""

    def listStoragePools(self) -> List[str]:
        """Names of the active storage pools."""

    def listDefinedStoragePools(self) -> List[str]:
        """Names of the inactive storage pools."""

    def numOfStoragePools(self) -> int:
        """Number of active storage pools."""

    def numOfDefinedStoragePools(self) -> int:
        """Number of inactive storage pools."""

    def newStream(self, flags=0) -> virStream:
        """A new stream (`VIR_STREAM_NONBLOCK` in `flags` for one whose
        `recv` never waits), for a call such as `virStorageVol.upload` to
        attach."""

    def virConnGetLastError(self) -> Optional[_RawError]:
        """This connection's last error as libvirt-python's tuple, or None."""

    def virConnResetLastError(self) -> None:
        """Forget this connection's last error."""


class virDomain:
    """A domain (libvirt-python's `virDomain`). Like libvirt-python's, two
    handles of one domain are distinct objects: they compare and hash by
    identity."""

    def name(self) -> str:
        """The domain's name."""

    def ID(self) -> int:
        """The id while running, else -1."""

    def UUID(self) -> bytes:
        """The UUID, 16 raw bytes."""

    def UUIDString(self) -> str:
        """The UUID as a dashed string."""

    def connect(self) -> virConnect:
        """The connection this domain was found on."""

    def info(self) -> List[int]:
        """`[state, max memory KiB, memory KiB, vCPUs, CPU time ns]`."""

    def blockStats(self, path) -> Tuple[int, int, int, int, int]:
        """`(rd_req, rd_bytes, wr_req, wr_bytes, errs)` of a disk (-1: not counted)."""

    def interfaceStats(self, path) -> Tuple[int, int, int, int, int, int, int, int]:
        """`(rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets,
        tx_errs, tx_drop)` of an interface named by device or MAC."""

    def memoryStats(self) -> Dict[str, int]:
        """The memory statistics as a dict of libvirt-python's names
        (`actual`, `rss`, `unused`, ...)."""

    def blockInfo(self, path, flags=0) -> List[int]:
        """`[capacity, allocation, physical]` of a disk, bytes."""

    def getCPUStats(self, total, flags=0) -> List[Dict[str, Any]]:
        """CPU time figures: with `total` one dict of the domain's total,
        else one dict per host CPU (empty where nothing was answered), as
        libvirt-python asks (`virDomainGetCPUStats`, 128 CPUs a call)."""

    def jobInfo(self) -> List[int]:
        """`[type, timeElapsed, timeRemaining, dataTotal, dataProcessed,
        dataRemaining, memTotal, memProcessed, memRemaining, fileTotal,
        fileProcessed, fileRemaining]` of the background job."""

    def jobStats(self, flags=0) -> Dict[str, Any]:
        """The background job's figures as a dict, its kind under `type`."""

    def abortJob(self) -> int:
        """Cancel the background job; returns 0."""

    def state(self, flags=0) -> List[int]:
        """`[state, reason]`."""

    def OSType(self) -> str:
        """The guest OS type ("linux", "hvm")."""

    def maxMemory(self) -> int:
        """Maximum memory, KiB."""

    def maxVcpus(self) -> int:
        """Maximum vCPUs."""

    def XMLDesc(self, flags=0) -> str:
        """The domain XML (`VIR_DOMAIN_XML_*` flags)."""

    def create(self) -> int:
        """Start the defined domain; returns 0."""

    def createWithFlags(self, flags=0) -> int:
        """Start with flags (`VIR_DOMAIN_START_*`); returns 0."""

    def destroy(self) -> int:
        """Stop at once; returns 0."""

    def destroyFlags(self, flags=0) -> int:
        """Stop at once with flags; returns 0."""

    def save(self, to) -> int:
        """Save the state to the file `to` and stop; returns 0."""

    def saveFlags(self, to, dxml=None, flags=0) -> int:
        """Save with flags and optionally the definition to restore with."""

    def managedSave(self, flags=0) -> int:
        """Save the state to the domain's managed save image and stop; returns 0."""

    def managedSaveRemove(self, flags=0) -> int:
        """Discard the managed save image; returns 0."""

    def coreDump(self, to, flags=0) -> int:
        """Dump the domain's core to the file `to`; returns 0."""

    def coreDumpWithFormat(self, to, dumpformat, flags=0) -> int:
        """Dump core in a format (`VIR_DOMAIN_CORE_DUMP_FORMAT_*`); returns 0."""

    def undefine(self) -> int:
        """Remove the persistent definition; returns 0."""

    def undefineFlags(self, flags=0) -> int:
        """Remove the persistent definition with flags; returns 0."""

    def shutdown(self) -> int:
        """Ask the guest to shut down; returns 0."""

    def shutdownFlags(self, flags=0) -> int:
        """Ask the guest to shut down, with flags; returns 0."""

    def reboot(self, flags=0) -> int:
        """Ask the guest to reboot; returns 0."""

    def suspend(self) -> int:
        """Pause; returns 0."""

    def resume(self) -> int:
        """Resume; returns 0."""

    def setMemory(self, memory) -> int:
        """Set the running domain's memory, KiB; returns 0."""

    def setMemoryStatsPeriod(self, period, flags=0) -> int:
        """How often the guest's balloon driver reports statistics, seconds;
        returns 0."""

    def setMaxMemory(self, memory) -> int:
        """Set the maximum memory, KiB; returns 0."""

    def setMemoryFlags(self, memory, flags=0) -> int:
        """Set memory, KiB, with `VIR_DOMAIN_AFFECT_*` / `VIR_DOMAIN_MEM_*` flags."""

    def setVcpus(self, nvcpus) -> int:
        """Set the running domain's vCPU count; returns 0."""

    def setVcpusFlags(self, nvcpus, flags=0) -> int:
        """Set the vCPU count with `VIR_DOMAIN_VCPU_*` flags; returns 0."""

    def vcpusFlags(self, flags=0) -> int:
        """The vCPU count (`VIR_DOMAIN_VCPU_*` flags)."""

    def vcpus(self) -> Tuple[List[Tuple[int, int, int, int]], List[Tuple[bool, ...]]]:
        """`([(number, state, CPU time, host CPU)...], [(bool per host CPU)...])`."""

    def vcpuPinInfo(self, flags=0) -> List[Tuple[bool, ...]]:
        """Each vCPU's affinity, a tuple of booleans per vCPU."""

    def pinVcpu(self, vcpu, cpumap) -> int:
        """Pin a vCPU to the host CPUs whose entries in `cpumap` are true."""

    def pinVcpuFlags(self, vcpu, cpumap, flags=0) -> int:
        """Pin a vCPU with `VIR_DOMAIN_AFFECT_*` flags."""

    def autostart(self) -> int:
        """1 when the domain starts with the node, else 0."""

    def setAutostart(self, autostart) -> int:
        """Mark (non-zero) or unmark for autostart; returns 0."""

    def isActive(self) -> int:
        """1 when running or paused, else 0."""

    def isPersistent(self) -> int:
        """1 when the domain has a persistent definition, else 0."""

    def hasManagedSaveImage(self, flags=0) -> int:
        """1 when a managed save image exists, else 0."""

    def schedulerType(self) -> Tuple[str, int]:
        """`[scheduler name, number of parameters]`."""

    def schedulerParameters(self) -> Dict[str, Any]:
        """The scheduler's parameters, `{field: value}`."""

    def schedulerParametersFlags(self, flags=0) -> Dict[str, Any]:
        """The scheduler's parameters with `VIR_DOMAIN_AFFECT_*` flags."""

    def setSchedulerParameters(self, params) -> int:
        """Change scheduler parameters from a dict; returns 0."""

    def setSchedulerParametersFlags(self, params, flags=0) -> int:
        """Change scheduler parameters with `VIR_DOMAIN_AFFECT_*` flags."""

    def securityLabel(self) -> List[Any]:
        """`[label, enforcing]`."""

    def attachDevice(self, xml) -> int:
        """Hot-plug the device described in XML; returns 0."""

    def attachDeviceFlags(self, xml, flags=0) -> int:
        """Attach a device with `VIR_DOMAIN_DEVICE_MODIFY_*` flags; returns 0."""

    def detachDevice(self, xml) -> int:
        """Hot-unplug the device described in XML; returns 0."""

    def detachDeviceFlags(self, xml, flags=0) -> int:
        """Detach a device with `VIR_DOMAIN_DEVICE_MODIFY_*` flags; returns 0."""

    def updateDeviceFlags(self, xml, flags=0) -> int:
        """Change a device in place (a CD-ROM's media) with flags; returns 0."""

    def checkpointCreateXML(self, xml_desc, flags=0) -> virDomainCheckpoint:
        """Create a checkpoint described by XML."""

    def listAllCheckpoints(self, flags=0) -> List[virDomainCheckpoint]:
        """Every checkpoint that passes `flags`."""

    def checkpointLookupByName(self, name, flags=0) -> virDomainCheckpoint:
        """Find a checkpoint by name."""

    def snapshotCreateXML(self, xml_desc, flags=0) -> virDomainSnapshot:
        """Take a snapshot described by XML."""

    def listAllSnapshots(self, flags=0) -> List[virDomainSnapshot]:
        """Every snapshot that passes `flags`."""

    def snapshotLookupByName(self, name, flags=0) -> virDomainSnapshot:
        """Find a snapshot by name."""

    def snapshotCurrent(self, flags=0) -> virDomainSnapshot:
        """The current snapshot."""

    def hasCurrentSnapshot(self, flags=0) -> int:
        """1 when the domain has a current snapshot, else 0."""

    def snapshotListNames(self, flags=0) -> List[str]:
        """The names of the snapshots that pass `flags`."""

    def snapshotNum(self, flags=0) -> int:
        """How many snapshots pass `flags`."""

    def revertToSnapshot(self, snap, flags=0) -> int:
        """Revert the domain to `snap`; returns 0."""

    def openConsole(self, dev_name, st, flags=0) -> int:
        """Attach `st` to the console or serial device `dev_name` (the first
        console when None), both ways; returns 0."""

    def screenshot(self, stream, screen, flags=0) -> str:
        """Connect `stream` to a picture of screen `screen`; returns the
        picture's MIME type, its bytes to be read from the stream."""


class virNetwork:
    """A virtual network (libvirt-python's `virNetwork`); handles compare and
    hash by identity, as libvirt-python's."""

    def name(self) -> str:
        """The network's name."""

    def connect(self) -> virConnect:
        """The connection this network was found on."""

    def XMLDesc(self, flags=0) -> str:
        """The network XML."""

    def UUID(self) -> bytes:
        """The UUID, 16 raw bytes."""

    def UUIDString(self) -> str:
        """The UUID as a dashed string."""

    def isActive(self) -> int:
        """1 when the network is active, else 0."""

    def isPersistent(self) -> int:
        """1 when the network is persistent, else 0."""

    def autostart(self) -> int:
        """1 when the network starts with the node, else 0."""

    def setAutostart(self, autostart) -> int:
        """Mark (non-zero) or unmark for autostart; returns 0."""

    def create(self) -> int:
        """Start the defined network; returns 0."""

    def destroy(self) -> int:
        """Stop the network; returns 0."""

    def undefine(self) -> int:
        """Remove the persistent definition of the network; returns 0."""

    def bridgeName(self) -> str:
        """The network's bridge device."""


class virStoragePool:
    """A storage pool (libvirt-python's `virStoragePool`); handles compare and
    hash by identity, as libvirt-python's."""

    def name(self) -> str:
        """The pool's name."""

    def connect(self) -> virConnect:
        """The connection this pool was found on."""

    def XMLDesc(self, flags=0) -> str:
        """The pool XML."""

    def UUID(self) -> bytes:
        """The UUID, 16 raw bytes."""

    def UUIDString(self) -> str:
        """The UUID as a dashed string."""

    def isActive(self) -> int:
        """1 when the pool is active, else 0."""

    def isPersistent(self) -> int:
        """1 when the pool is persistent, else 0."""

    def autostart(self) -> int:
        """1 when the pool starts with the node, else 0."""

    def setAutostart(self, autostart) -> int:
        """Mark (non-zero) or unmark for autostart; returns 0."""

    def create(self, flags=0) -> int:
        """Start the defined pool; returns 0."""

    def destroy(self) -> int:
        """Stop the pool; returns 0."""

    def undefine(self) -> int:
        """Remove the persistent definition of the pool; returns 0."""

    def info(self) -> List[int]:
        """`[state, capacity, allocation, available]`, bytes."""

    def build(self, flags=0) -> int:
        """Build the underlying storage; returns 0."""

    def delete(self, flags=0) -> int:
        """Delete the underlying storage; returns 0."""

    def refresh(self, flags=0) -> int:
        """Look at the storage again; returns 0."""

    def listAllVolumes(self, flags=0) -> List[virStorageVol]:
        """Every volume of the pool."""

    def listVolumes(self) -> List[str]:
        """Names of the pool's volumes."""

    def numOfVolumes(self) -> int:
        """Number of the pool's volumes."""

    def storageVolLookupByName(self, name) -> virStorageVol:
        """The pool's volume with this name."""

    def createXML(self, xmlDesc, flags=0) -> virStorageVol:
        """Create a volume from XML."""

    def createXMLFrom(self, xmlDesc, clonevol, flags=0) -> virStorageVol:
        """Create a volume from XML holding a copy of `clonevol`."""


class virStorageVol:
    """A storage volume (libvirt-python's `virStorageVol`); handles compare and
    hash by identity, as libvirt-python's."""

    def name(self) -> str:
        """The volume's name."""

    def connect(self) -> virConnect:
        """The connection this volume was found on."""

    def XMLDesc(self, flags=0) -> str:
        """The volume XML."""

    def key(self) -> str:
        """The volume's key."""

    def storagePoolLookupByVolume(self) -> virStoragePool:
        """The pool holding the volume."""

    def upload(self, stream, offset, length, flags=0) -> int:
        """Attach `stream` to write `length` bytes (0: all) from `offset`
        into the volume (`VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM` lets it
        carry holes); send, then `finish`. Returns 0."""

    def download(self, stream, offset, length, flags=0) -> int:
        """Attach `stream` to read `length` bytes (0: all) from `offset` of
        the volume (`VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM` keeps its
        holes); receive, then `finish`. Returns 0."""

    def delete(self, flags=0) -> int:
        """Delete the volume; returns 0."""

    def wipe(self, flags=0) -> int:
        """Overwrite its data with zeroes; returns 0."""

    def wipePattern(self, algorithm, flags=0) -> int:
        """Overwrite its data with a pattern (`VIR_STORAGE_VOL_WIPE_ALG_*`)."""

    def resize(self, capacity, flags=0) -> int:
        """Change its capacity, bytes; returns 0."""

    def info(self) -> List[int]:
        """`[type, capacity, allocation]`, bytes."""

    def path(self) -> str:
        """Its path on the node."""


class virInterface:
    """A host network interface (libvirt-python's `virInterface`); handles
    compare and hash by identity, as libvirt-python's."""

    def name(self) -> str:
        """The interface's name."""

    def connect(self) -> virConnect:
        """The connection this interface was found on."""

    def XMLDesc(self, flags=0) -> str:
        """The interface XML."""

    def isActive(self) -> int:
        """1 when the interface is active, else 0."""

    def create(self, flags=0) -> int:
        """Start the defined interface; returns 0."""

    def destroy(self, flags=0) -> int:
        """Stop the interface; returns 0."""

    def undefine(self) -> int:
        """Remove the persistent definition of the interface; returns 0."""

    def MACString(self) -> str:
        """The interface's MAC address."""


class virNodeDevice:
    """A node device (libvirt-python's `virNodeDevice`); handles compare and
    hash by identity, as libvirt-python's."""

    def name(self) -> str:
        """The device's name."""

    def connect(self) -> virConnect:
        """The connection this device was found on."""

    def XMLDesc(self, flags=0) -> str:
        """The device XML."""

    def isActive(self) -> int:
        """1 when the device is active, else 0."""

    def isPersistent(self) -> int:
        """1 when the device is persistent, else 0."""

    def create(self, flags=0) -> int:
        """Start the defined device; returns 0."""

    def destroy(self) -> int:
        """Stop the device; returns 0."""

    def undefine(self, flags=0) -> int:
        """Remove the persistent definition of the device; returns 0."""

    def parent(self) -> Optional[str]:
        """The parent device's name, `None` for the root."""

    def numOfCaps(self) -> int:
        """Number of the device's capabilities."""

    def listCaps(self) -> List[str]:
        """The device's capability names."""


class virDomainSnapshot:
    """A domain snapshot (libvirt-python's `virDomainSnapshot`); handles
    compare and hash by identity, as libvirt-python's."""

    def getName(self) -> str:
        """The snapshot's name."""

    def domain(self) -> virDomain:
        """The domain it belongs to (the handle it was reached through)."""

    def getDomain(self) -> virDomain:
        """The domain it belongs to."""

    def connect(self) -> virConnect:
        """The connection of its domain."""

    def getConnect(self) -> virConnect:
        """The connection of its domain."""

    def getXMLDesc(self, flags=0) -> str:
        """The snapshot XML."""

    def getParent(self, flags=0) -> virDomainSnapshot:
        """Its parent."""

    def delete(self, flags=0) -> int:
        """Delete it; returns 0."""

    def listAllChildren(self, flags=0) -> List[virDomainSnapshot]:
        """Its children (descendants with the `LIST_DESCENDANTS` flag)."""

    def listChildrenNames(self, flags=0) -> List[str]:
        """Its children's names."""

    def numChildren(self, flags=0) -> int:
        """How many children it has."""

    def isCurrent(self, flags=0) -> int:
        """1 when it is the current snapshot, else 0."""

    def hasMetadata(self, flags=0) -> int:
        """1 when the driver keeps metadata for it, else 0."""


class virDomainCheckpoint:
    """A domain checkpoint (libvirt-python's `virDomainCheckpoint`);
    handles compare and hash by identity, as libvirt-python's."""

    def getName(self) -> str:
        """The checkpoint's name."""

    def domain(self) -> virDomain:
        """The domain it belongs to (the handle it was reached through)."""

    def getDomain(self) -> virDomain:
        """The domain it belongs to."""

    def connect(self) -> virConnect:
        """The connection of its domain."""

    def getConnect(self) -> virConnect:
        """The connection of its domain."""

    def getXMLDesc(self, flags=0) -> str:
        """The checkpoint XML."""

    def getParent(self, flags=0) -> virDomainCheckpoint:
        """Its parent."""

    def delete(self, flags=0) -> int:
        """Delete it; returns 0."""

    def listAllChildren(self, flags=0) -> List[virDomainCheckpoint]:
        """Its children (descendants with the `LIST_DESCENDANTS` flag)."""


class virStream:
    """A stream (libvirt-python's `virStream`)."""

    def connect(self) -> virConnect:
        """The connection this stream belongs to."""

    def send(self, data) -> int:
        """Send `data` (bytes, or a string sent as UTF-8); the number of bytes
        sent."""

    def recv(self, nbytes) -> Union[bytes, int]:
        """Receive up to `nbytes`: the bytes (empty at the end of the stream),
        or -2 when a non-blocking stream has nothing yet. Holes read as
        zeroes."""

    def recvFlags(self, nbytes, flags=0) -> Union[bytes, int]:
        """As `recv`, with `VIR_STREAM_RECV_STOP_AT_HOLE` answering -3 at a
        hole (whose length `recvHole` gives)."""

    def recvHole(self, flags=0) -> int:
        """The length of the hole the stream is at, consumed."""

    def sendHole(self, length, flags=0) -> int:
        """Send a hole of `length` zero bytes; returns 0."""

    def finish(self) -> int:
        """Complete the transfer: the driver confirms that all arrived, or
        raises what went wrong; returns 0."""

    def abort(self) -> int:
        """Give up on the transfer; returns 0."""

    def recvAll(self, handler, opaque) -> None:
        """Receive everything, calling `handler(stream, data, opaque)` per
        chunk; a handler's exception or negative answer aborts the stream."""

    def sendAll(self, handler, opaque) -> None:
        """Send what `handler(stream, nbytes, opaque)` returns until it returns
        nothing; its exception aborts the stream."""

    def sparseRecvAll(self, handler, holeHandler, opaque) -> None:
        """Receive everything keeping holes: `handler(stream, data, opaque)`
        per chunk of data, `holeHandler(stream, length, opaque)` per hole; a
        negative answer from either aborts the stream."""

    def sparseSendAll(self, handler, holeHandler, skipHandler, opaque) -> None:
        """Send a sparse source: `holeHandler(stream, opaque)` says whether the
        source is in data and how long the section is; holes are sent as
        holes and passed over with `skipHandler(stream, length, opaque)`,
        data read with `handler(stream, nbytes, opaque)` until it returns
        nothing."""

    def eventAddCallback(self, events, cb, opaque) -> None:
        """Call `cb(stream, events, opaque)` from the event loop whenever one
        of `events` (`VIR_STREAM_EVENT_*`) holds."""

    def eventUpdateCallback(self, events) -> int:
        """Change the events the callback waits for; returns 0."""

    def eventRemoveCallback(self) -> int:
        """Forget the callback; returns 0."""


def getVersion(name=None) -> Union[int, Tuple[int, int]]:
    """libvirt's version this module follows (`virGetVersion`). With a driver
    name it returns `(library version, driver version)`: as libvirt 9.0,
    the driver's version is the library's."""

def open(name=None) -> virConnect:
    """Open a read-write connection; `None` means the default URI
    (`LIBVIRT_DEFAULT_URI`, else the first driver's, `test:///default`)."""

def openAuth(uri, auth, flags=0) -> virConnect:
    """Open with credentials: `auth` is `[credential types, callback, opaque]`.
    A driver that needs credentials calls `callback(creds, opaque)` with
    `creds` a list of `[type, prompt, challenge, defresult, result]` lists
    whose `result` the callback fills in, returning 0 (or -1 to refuse), as
    libvirt-python's; `VIR_CONNECT_RO` in `flags` opens read-only."""

def openReadOnly(name=None) -> virConnect:
    """Open a read-only connection: every change is refused."""

def virEventInvokeFreeCallback(opaque) -> int:
    """Release what a removed handle or timeout held: with this module the
    loop's Python references are all there is, so nothing is left to do."""

def virEventInvokeHandleCallback(watch, fd, events, callback, opaque) -> int:
    """Call a handle callback an application loop was given:
    `callback(watch, fd, events, opaque)`."""

def virEventInvokeTimeoutCallback(timer, callback, opaque) -> int:
    """Call a timeout callback an application loop was given:
    `callback(timer, opaque)`."""

def virEventRegisterDefaultImpl() -> int:
    """Use libvirt's own event loop, run by `virEventRunDefaultImpl`."""

def virEventRegisterImpl(add_handle, update_handle, remove_handle, add_timeout, update_timeout, remove_timeout) -> int:
    """Use the application's loop: this module adds a handle for its socket
    with `addHandle` while any callback is registered. The timeout
    functions are kept for libvirt-python's signature; no timer is needed."""

def virEventRunDefaultImpl() -> int:
    """Run one iteration of the default loop: wait (at most a second) for
    deliveries, then run their callbacks on this thread."""

def virGetLastError() -> Optional[_RawError]:
    """The thread's last error as libvirt-python's tuple, or None
    (`virGetLastError`)."""

def virGetLastErrorCode() -> int:
    """The last error's code, 0 without one (`virGetLastErrorCode`)."""

def virGetLastErrorDomain() -> int:
    """The last error's domain, 0 without one (`virGetLastErrorDomain`)."""

def virGetLastErrorMessage() -> str:
    """The last error's message, or "no error" (`virGetLastErrorMessage`)."""

def virRegisterErrorHandler(f, ctx) -> int:
    """Set the function called as `f(ctx, err)` with every error; `f=None`
    restores the default (print to stderr). Returns 1, as libvirt-python."""

def virResetLastError() -> None:
    """Forget the thread's last error (`virResetLastError`)."""

VIR_CONNECT_CLOSE_REASON_CLIENT: int
VIR_CONNECT_CLOSE_REASON_EOF: int
VIR_CONNECT_CLOSE_REASON_ERROR: int
VIR_CONNECT_CLOSE_REASON_KEEPALIVE: int
VIR_CONNECT_LIST_DOMAINS_ACTIVE: int
VIR_CONNECT_LIST_DOMAINS_AUTOSTART: int
VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT: int
VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT: int
VIR_CONNECT_LIST_DOMAINS_INACTIVE: int
VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE: int
VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART: int
VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT: int
VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE: int
VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT: int
VIR_CONNECT_LIST_DOMAINS_OTHER: int
VIR_CONNECT_LIST_DOMAINS_PAUSED: int
VIR_CONNECT_LIST_DOMAINS_PERSISTENT: int
VIR_CONNECT_LIST_DOMAINS_RUNNING: int
VIR_CONNECT_LIST_DOMAINS_SHUTOFF: int
VIR_CONNECT_LIST_DOMAINS_TRANSIENT: int
VIR_CONNECT_LIST_INTERFACES_ACTIVE: int
VIR_CONNECT_LIST_INTERFACES_INACTIVE: int
VIR_CONNECT_LIST_NETWORKS_ACTIVE: int
VIR_CONNECT_LIST_NETWORKS_AUTOSTART: int
VIR_CONNECT_LIST_NETWORKS_INACTIVE: int
VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART: int
VIR_CONNECT_LIST_NETWORKS_PERSISTENT: int
VIR_CONNECT_LIST_NETWORKS_TRANSIENT: int
VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_AP_CARD: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_AP_MATRIX: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_AP_QUEUE: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_CCW_DEV: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_CSS_DEV: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_DRM: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_FC_HOST: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV_TYPES: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_NET: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_GENERIC: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_HOST: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_SCSI_TARGET: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_STORAGE: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_SYSTEM: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_INTERFACE: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_VDPA: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_VPD: int
VIR_CONNECT_LIST_NODE_DEVICES_CAP_VPORTS: int
VIR_CONNECT_LIST_NODE_DEVICES_INACTIVE: int
VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE: int
VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART: int
VIR_CONNECT_LIST_STORAGE_POOLS_DIR: int
VIR_CONNECT_LIST_STORAGE_POOLS_DISK: int
VIR_CONNECT_LIST_STORAGE_POOLS_FS: int
VIR_CONNECT_LIST_STORAGE_POOLS_GLUSTER: int
VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE: int
VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI: int
VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT: int
VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL: int
VIR_CONNECT_LIST_STORAGE_POOLS_MPATH: int
VIR_CONNECT_LIST_STORAGE_POOLS_NETFS: int
VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART: int
VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT: int
VIR_CONNECT_LIST_STORAGE_POOLS_RBD: int
VIR_CONNECT_LIST_STORAGE_POOLS_SCSI: int
VIR_CONNECT_LIST_STORAGE_POOLS_SHEEPDOG: int
VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT: int
VIR_CONNECT_LIST_STORAGE_POOLS_VSTORAGE: int
VIR_CONNECT_LIST_STORAGE_POOLS_ZFS: int
VIR_CONNECT_NO_ALIASES: int
VIR_CONNECT_RO: int
VIR_CRED_AUTHNAME: int
VIR_CRED_CNONCE: int
VIR_CRED_ECHOPROMPT: int
VIR_CRED_EXTERNAL: int
VIR_CRED_LANGUAGE: int
VIR_CRED_NOECHOPROMPT: int
VIR_CRED_PASSPHRASE: int
VIR_CRED_REALM: int
VIR_CRED_USERNAME: int
VIR_DOMAIN_AFFECT_CONFIG: int
VIR_DOMAIN_AFFECT_CURRENT: int
VIR_DOMAIN_AFFECT_LIVE: int
VIR_DOMAIN_BLOCKED: int
VIR_DOMAIN_BLOCKED_UNKNOWN: int
VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC: int
VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT: int
VIR_DOMAIN_BLOCK_JOB_CANCELED: int
VIR_DOMAIN_BLOCK_JOB_COMPLETED: int
VIR_DOMAIN_BLOCK_JOB_FAILED: int
VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES: int
VIR_DOMAIN_BLOCK_JOB_READY: int
VIR_DOMAIN_BLOCK_JOB_SPEED_BANDWIDTH_BYTES: int
VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT: int
VIR_DOMAIN_BLOCK_JOB_TYPE_BACKUP: int
VIR_DOMAIN_BLOCK_JOB_TYPE_COMMIT: int
VIR_DOMAIN_BLOCK_JOB_TYPE_COPY: int
VIR_DOMAIN_BLOCK_JOB_TYPE_PULL: int
VIR_DOMAIN_BLOCK_JOB_TYPE_UNKNOWN: int
VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE: int
VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE: int
VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE: int
VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN: int
VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY: int
VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY: int
VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS: int
VIR_DOMAIN_CHECKPOINT_LIST_LEAVES: int
VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES: int
VIR_DOMAIN_CHECKPOINT_LIST_ROOTS: int
VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL: int
VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN: int
VIR_DOMAIN_CHECKPOINT_XML_SECURE: int
VIR_DOMAIN_CHECKPOINT_XML_SIZE: int
VIR_DOMAIN_CONSOLE_FORCE: int
VIR_DOMAIN_CONSOLE_SAFE: int
VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_LZO: int
VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_SNAPPY: int
VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB: int
VIR_DOMAIN_CORE_DUMP_FORMAT_RAW: int
VIR_DOMAIN_CORE_DUMP_FORMAT_WIN_DMP: int
VIR_DOMAIN_CRASHED: int
VIR_DOMAIN_CRASHED_PANICKED: int
VIR_DOMAIN_CRASHED_UNKNOWN: int
VIR_DOMAIN_DEFINE_VALIDATE: int
VIR_DOMAIN_DESTROY_DEFAULT: int
VIR_DOMAIN_DESTROY_GRACEFUL: int
VIR_DOMAIN_DESTROY_REMOVE_LOGS: int
VIR_DOMAIN_DEVICE_MODIFY_CONFIG: int
VIR_DOMAIN_DEVICE_MODIFY_CURRENT: int
VIR_DOMAIN_DEVICE_MODIFY_FORCE: int
VIR_DOMAIN_DEVICE_MODIFY_LIVE: int
VIR_DOMAIN_EVENT_CRASHED: int
VIR_DOMAIN_EVENT_CRASHED_CRASHLOADED: int
VIR_DOMAIN_EVENT_CRASHED_PANICKED: int
VIR_DOMAIN_EVENT_DEFINED: int
VIR_DOMAIN_EVENT_DEFINED_ADDED: int
VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT: int
VIR_DOMAIN_EVENT_DEFINED_RENAMED: int
VIR_DOMAIN_EVENT_DEFINED_UPDATED: int
VIR_DOMAIN_EVENT_DISK_CHANGE_MISSING_ON_START: int
VIR_DOMAIN_EVENT_DISK_DROP_MISSING_ON_START: int
VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV4: int
VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_IPV6: int
VIR_DOMAIN_EVENT_GRAPHICS_ADDRESS_UNIX: int
VIR_DOMAIN_EVENT_GRAPHICS_CONNECT: int
VIR_DOMAIN_EVENT_GRAPHICS_DISCONNECT: int
VIR_DOMAIN_EVENT_GRAPHICS_INITIALIZE: int
VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE: int
VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE: int
VIR_DOMAIN_EVENT_ID_BLOCK_JOB: int
VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2: int
VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD: int
VIR_DOMAIN_EVENT_ID_CONTROL_ERROR: int
VIR_DOMAIN_EVENT_ID_DEVICE_ADDED: int
VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED: int
VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED: int
VIR_DOMAIN_EVENT_ID_DISK_CHANGE: int
VIR_DOMAIN_EVENT_ID_GRAPHICS: int
VIR_DOMAIN_EVENT_ID_IO_ERROR: int
VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON: int
VIR_DOMAIN_EVENT_ID_JOB_COMPLETED: int
VIR_DOMAIN_EVENT_ID_LIFECYCLE: int
VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE: int
VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE: int
VIR_DOMAIN_EVENT_ID_METADATA_CHANGE: int
VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION: int
VIR_DOMAIN_EVENT_ID_PMSUSPEND: int
VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK: int
VIR_DOMAIN_EVENT_ID_PMWAKEUP: int
VIR_DOMAIN_EVENT_ID_REBOOT: int
VIR_DOMAIN_EVENT_ID_RTC_CHANGE: int
VIR_DOMAIN_EVENT_ID_TRAY_CHANGE: int
VIR_DOMAIN_EVENT_ID_TUNABLE: int
VIR_DOMAIN_EVENT_ID_WATCHDOG: int
VIR_DOMAIN_EVENT_IO_ERROR_NONE: int
VIR_DOMAIN_EVENT_IO_ERROR_PAUSE: int
VIR_DOMAIN_EVENT_IO_ERROR_REPORT: int
VIR_DOMAIN_EVENT_MEMORY_FAILURE_ACTION_FATAL: int
VIR_DOMAIN_EVENT_MEMORY_FAILURE_ACTION_IGNORE: int
VIR_DOMAIN_EVENT_MEMORY_FAILURE_ACTION_INJECT: int
VIR_DOMAIN_EVENT_MEMORY_FAILURE_ACTION_RESET: int
VIR_DOMAIN_EVENT_MEMORY_FAILURE_RECIPIENT_GUEST: int
VIR_DOMAIN_EVENT_MEMORY_FAILURE_RECIPIENT_HYPERVISOR: int
VIR_DOMAIN_EVENT_PMSUSPENDED: int
VIR_DOMAIN_EVENT_PMSUSPENDED_DISK: int
VIR_DOMAIN_EVENT_PMSUSPENDED_MEMORY: int
VIR_DOMAIN_EVENT_RESUMED: int
VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT: int
VIR_DOMAIN_EVENT_RESUMED_MIGRATED: int
VIR_DOMAIN_EVENT_RESUMED_POSTCOPY: int
VIR_DOMAIN_EVENT_RESUMED_POSTCOPY_FAILED: int
VIR_DOMAIN_EVENT_RESUMED_UNPAUSED: int
VIR_DOMAIN_EVENT_SHUTDOWN: int
VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED: int
VIR_DOMAIN_EVENT_SHUTDOWN_GUEST: int
VIR_DOMAIN_EVENT_SHUTDOWN_HOST: int
VIR_DOMAIN_EVENT_STARTED: int
VIR_DOMAIN_EVENT_STARTED_BOOTED: int
VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT: int
VIR_DOMAIN_EVENT_STARTED_MIGRATED: int
VIR_DOMAIN_EVENT_STARTED_RESTORED: int
VIR_DOMAIN_EVENT_STARTED_WAKEUP: int
VIR_DOMAIN_EVENT_STOPPED: int
VIR_DOMAIN_EVENT_STOPPED_CRASHED: int
VIR_DOMAIN_EVENT_STOPPED_DESTROYED: int
VIR_DOMAIN_EVENT_STOPPED_FAILED: int
VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT: int
VIR_DOMAIN_EVENT_STOPPED_MIGRATED: int
VIR_DOMAIN_EVENT_STOPPED_SAVED: int
VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN: int
VIR_DOMAIN_EVENT_SUSPENDED: int
VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR: int
VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT: int
VIR_DOMAIN_EVENT_SUSPENDED_IOERROR: int
VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED: int
VIR_DOMAIN_EVENT_SUSPENDED_PAUSED: int
VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY: int
VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY_FAILED: int
VIR_DOMAIN_EVENT_SUSPENDED_RESTORED: int
VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG: int
VIR_DOMAIN_EVENT_TRAY_CHANGE_CLOSE: int
VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN: int
VIR_DOMAIN_EVENT_UNDEFINED: int
VIR_DOMAIN_EVENT_UNDEFINED_REMOVED: int
VIR_DOMAIN_EVENT_UNDEFINED_RENAMED: int
VIR_DOMAIN_EVENT_WATCHDOG_DEBUG: int
VIR_DOMAIN_EVENT_WATCHDOG_INJECTNMI: int
VIR_DOMAIN_EVENT_WATCHDOG_NONE: int
VIR_DOMAIN_EVENT_WATCHDOG_PAUSE: int
VIR_DOMAIN_EVENT_WATCHDOG_POWEROFF: int
VIR_DOMAIN_EVENT_WATCHDOG_RESET: int
VIR_DOMAIN_EVENT_WATCHDOG_SHUTDOWN: int
VIR_DOMAIN_MEM_CONFIG: int
VIR_DOMAIN_MEM_CURRENT: int
VIR_DOMAIN_MEM_LIVE: int
VIR_DOMAIN_MEM_MAXIMUM: int
VIR_DOMAIN_NONE: int
VIR_DOMAIN_NOSTATE: int
VIR_DOMAIN_NOSTATE_UNKNOWN: int
VIR_DOMAIN_PAUSED: int
VIR_DOMAIN_PAUSED_CRASHED: int
VIR_DOMAIN_PAUSED_DUMP: int
VIR_DOMAIN_PAUSED_FROM_SNAPSHOT: int
VIR_DOMAIN_PAUSED_IOERROR: int
VIR_DOMAIN_PAUSED_MIGRATION: int
VIR_DOMAIN_PAUSED_POSTCOPY: int
VIR_DOMAIN_PAUSED_POSTCOPY_FAILED: int
VIR_DOMAIN_PAUSED_SAVE: int
VIR_DOMAIN_PAUSED_SHUTTING_DOWN: int
VIR_DOMAIN_PAUSED_SNAPSHOT: int
VIR_DOMAIN_PAUSED_STARTING_UP: int
VIR_DOMAIN_PAUSED_UNKNOWN: int
VIR_DOMAIN_PAUSED_USER: int
VIR_DOMAIN_PAUSED_WATCHDOG: int
VIR_DOMAIN_PMSUSPENDED: int
VIR_DOMAIN_PMSUSPENDED_UNKNOWN: int
VIR_DOMAIN_REBOOT_ACPI_POWER_BTN: int
VIR_DOMAIN_REBOOT_DEFAULT: int
VIR_DOMAIN_REBOOT_GUEST_AGENT: int
VIR_DOMAIN_REBOOT_INITCTL: int
VIR_DOMAIN_REBOOT_PARAVIRT: int
VIR_DOMAIN_REBOOT_SIGNAL: int
VIR_DOMAIN_RUNNING: int
VIR_DOMAIN_RUNNING_BOOTED: int
VIR_DOMAIN_RUNNING_CRASHED: int
VIR_DOMAIN_RUNNING_FROM_SNAPSHOT: int
VIR_DOMAIN_RUNNING_MIGRATED: int
VIR_DOMAIN_RUNNING_MIGRATION_CANCELED: int
VIR_DOMAIN_RUNNING_POSTCOPY: int
VIR_DOMAIN_RUNNING_POSTCOPY_FAILED: int
VIR_DOMAIN_RUNNING_RESTORED: int
VIR_DOMAIN_RUNNING_SAVE_CANCELED: int
VIR_DOMAIN_RUNNING_UNKNOWN: int
VIR_DOMAIN_RUNNING_UNPAUSED: int
VIR_DOMAIN_RUNNING_WAKEUP: int
VIR_DOMAIN_SAVE_BYPASS_CACHE: int
VIR_DOMAIN_SAVE_PAUSED: int
VIR_DOMAIN_SAVE_RESET_NVRAM: int
VIR_DOMAIN_SAVE_RUNNING: int
VIR_DOMAIN_SCHED_FIELD_BOOLEAN: int
VIR_DOMAIN_SCHED_FIELD_DOUBLE: int
VIR_DOMAIN_SCHED_FIELD_INT: int
VIR_DOMAIN_SCHED_FIELD_LLONG: int
VIR_DOMAIN_SCHED_FIELD_UINT: int
VIR_DOMAIN_SCHED_FIELD_ULLONG: int
VIR_DOMAIN_SHUTDOWN: int
VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN: int
VIR_DOMAIN_SHUTDOWN_DEFAULT: int
VIR_DOMAIN_SHUTDOWN_GUEST_AGENT: int
VIR_DOMAIN_SHUTDOWN_INITCTL: int
VIR_DOMAIN_SHUTDOWN_PARAVIRT: int
VIR_DOMAIN_SHUTDOWN_SIGNAL: int
VIR_DOMAIN_SHUTDOWN_UNKNOWN: int
VIR_DOMAIN_SHUTDOWN_USER: int
VIR_DOMAIN_SHUTOFF: int
VIR_DOMAIN_SHUTOFF_CRASHED: int
VIR_DOMAIN_SHUTOFF_DAEMON: int
VIR_DOMAIN_SHUTOFF_DESTROYED: int
VIR_DOMAIN_SHUTOFF_FAILED: int
VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT: int
VIR_DOMAIN_SHUTOFF_MIGRATED: int
VIR_DOMAIN_SHUTOFF_SAVED: int
VIR_DOMAIN_SHUTOFF_SHUTDOWN: int
VIR_DOMAIN_SHUTOFF_UNKNOWN: int
VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC: int
VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT: int
VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY: int
VIR_DOMAIN_SNAPSHOT_CREATE_HALT: int
VIR_DOMAIN_SNAPSHOT_CREATE_LIVE: int
VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA: int
VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE: int
VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE: int
VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT: int
VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE: int
VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN: int
VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY: int
VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY: int
VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE: int
VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS: int
VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY: int
VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL: int
VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE: int
VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL: int
VIR_DOMAIN_SNAPSHOT_LIST_LEAVES: int
VIR_DOMAIN_SNAPSHOT_LIST_METADATA: int
VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES: int
VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA: int
VIR_DOMAIN_SNAPSHOT_LIST_ROOTS: int
VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL: int
VIR_DOMAIN_SNAPSHOT_REVERT_FORCE: int
VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED: int
VIR_DOMAIN_SNAPSHOT_REVERT_RESET_NVRAM: int
VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING: int
VIR_DOMAIN_SNAPSHOT_XML_SECURE: int
VIR_DOMAIN_START_AUTODESTROY: int
VIR_DOMAIN_START_BYPASS_CACHE: int
VIR_DOMAIN_START_FORCE_BOOT: int
VIR_DOMAIN_START_PAUSED: int
VIR_DOMAIN_START_RESET_NVRAM: int
VIR_DOMAIN_START_VALIDATE: int
VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA: int
VIR_DOMAIN_UNDEFINE_KEEP_NVRAM: int
VIR_DOMAIN_UNDEFINE_KEEP_TPM: int
VIR_DOMAIN_UNDEFINE_MANAGED_SAVE: int
VIR_DOMAIN_UNDEFINE_NVRAM: int
VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA: int
VIR_DOMAIN_UNDEFINE_TPM: int
VIR_DOMAIN_VCPU_CONFIG: int
VIR_DOMAIN_VCPU_CURRENT: int
VIR_DOMAIN_VCPU_GUEST: int
VIR_DOMAIN_VCPU_HOTPLUGGABLE: int
VIR_DOMAIN_VCPU_LIVE: int
VIR_DOMAIN_VCPU_MAXIMUM: int
VIR_DOMAIN_XML_INACTIVE: int
VIR_DOMAIN_XML_MIGRATABLE: int
VIR_DOMAIN_XML_SECURE: int
VIR_DOMAIN_XML_UPDATE_CPU: int
VIR_DUMP_BYPASS_CACHE: int
VIR_DUMP_CRASH: int
VIR_DUMP_LIVE: int
VIR_DUMP_MEMORY_ONLY: int
VIR_DUMP_RESET: int
VIR_ERR_ACCESS_DENIED: int
VIR_ERR_AGENT_UNRESPONSIVE: int
VIR_ERR_AGENT_UNSYNCED: int
VIR_ERR_ARGUMENT_UNSUPPORTED: int
VIR_ERR_AUTH_CANCELLED: int
VIR_ERR_AUTH_FAILED: int
VIR_ERR_AUTH_UNAVAILABLE: int
VIR_ERR_BLOCK_COPY_ACTIVE: int
VIR_ERR_BUILD_FIREWALL: int
VIR_ERR_CALL_FAILED: int
VIR_ERR_CHECKPOINT_INCONSISTENT: int
VIR_ERR_CONFIG_UNSUPPORTED: int
VIR_ERR_CONF_SYNTAX: int
VIR_ERR_CPU_INCOMPATIBLE: int
VIR_ERR_DBUS_SERVICE: int
VIR_ERR_DEVICE_MISSING: int
VIR_ERR_DOM_EXIST: int
VIR_ERR_DRIVER_FULL: int
VIR_ERR_ERROR: int
VIR_ERR_GET_FAILED: int
VIR_ERR_GNUTLS_ERROR: int
VIR_ERR_HOOK_SCRIPT_FAILED: int
VIR_ERR_HTTP_ERROR: int
VIR_ERR_INTERNAL_ERROR: int
VIR_ERR_INVALID_ARG: int
VIR_ERR_INVALID_CONN: int
VIR_ERR_INVALID_DOMAIN: int
VIR_ERR_INVALID_DOMAIN_CHECKPOINT: int
VIR_ERR_INVALID_DOMAIN_SNAPSHOT: int
VIR_ERR_INVALID_INTERFACE: int
VIR_ERR_INVALID_MAC: int
VIR_ERR_INVALID_NETWORK: int
VIR_ERR_INVALID_NETWORK_PORT: int
VIR_ERR_INVALID_NODE_DEVICE: int
VIR_ERR_INVALID_NWFILTER: int
VIR_ERR_INVALID_NWFILTER_BINDING: int
VIR_ERR_INVALID_SECRET: int
VIR_ERR_INVALID_STORAGE_POOL: int
VIR_ERR_INVALID_STORAGE_VOL: int
VIR_ERR_INVALID_STREAM: int
VIR_ERR_LIBSSH: int
VIR_ERR_MIGRATE_FINISH_OK: int
VIR_ERR_MIGRATE_PERSIST_FAILED: int
VIR_ERR_MIGRATE_UNSAFE: int
VIR_ERR_MULTIPLE_DOMAINS: int
VIR_ERR_MULTIPLE_INTERFACES: int
VIR_ERR_NETWORK_EXIST: int
VIR_ERR_NETWORK_PORT_EXIST: int
VIR_ERR_NONE: int
VIR_ERR_NO_CLIENT: int
VIR_ERR_NO_CONNECT: int
VIR_ERR_NO_DEVICE: int
VIR_ERR_NO_DOMAIN: int
VIR_ERR_NO_DOMAIN_BACKUP: int
VIR_ERR_NO_DOMAIN_CHECKPOINT: int
VIR_ERR_NO_DOMAIN_METADATA: int
VIR_ERR_NO_DOMAIN_SNAPSHOT: int
VIR_ERR_NO_HOSTNAME: int
VIR_ERR_NO_INTERFACE: int
VIR_ERR_NO_KERNEL: int
VIR_ERR_NO_MEMORY: int
VIR_ERR_NO_NAME: int
VIR_ERR_NO_NETWORK: int
VIR_ERR_NO_NETWORK_PORT: int
VIR_ERR_NO_NODE_DEVICE: int
VIR_ERR_NO_NWFILTER: int
VIR_ERR_NO_NWFILTER_BINDING: int
VIR_ERR_NO_OS: int
VIR_ERR_NO_ROOT: int
VIR_ERR_NO_SECRET: int
VIR_ERR_NO_SECURITY_MODEL: int
VIR_ERR_NO_SERVER: int
VIR_ERR_NO_SOURCE: int
VIR_ERR_NO_STORAGE_POOL: int
VIR_ERR_NO_STORAGE_VOL: int
VIR_ERR_NO_SUPPORT: int
VIR_ERR_NO_TARGET: int
VIR_ERR_NO_XEN: int
VIR_ERR_NO_XENSTORE: int
VIR_ERR_OK: int
VIR_ERR_OPEN_FAILED: int
VIR_ERR_OPERATION_ABORTED: int
VIR_ERR_OPERATION_DENIED: int
VIR_ERR_OPERATION_FAILED: int
VIR_ERR_OPERATION_INVALID: int
VIR_ERR_OPERATION_TIMEOUT: int
VIR_ERR_OPERATION_UNSUPPORTED: int
VIR_ERR_OS_TYPE: int
VIR_ERR_OVERFLOW: int
VIR_ERR_PARSE_FAILED: int
VIR_ERR_POST_FAILED: int
VIR_ERR_READ_FAILED: int
VIR_ERR_RESOURCE_BUSY: int
VIR_ERR_RPC: int
VIR_ERR_SEXPR_SERIAL: int
VIR_ERR_SNAPSHOT_REVERT_RISKY: int
VIR_ERR_SSH: int
VIR_ERR_STORAGE_POOL_BUILT: int
VIR_ERR_STORAGE_PROBE_FAILED: int
VIR_ERR_STORAGE_VOL_EXIST: int
VIR_ERR_SYSTEM_ERROR: int
VIR_ERR_UNKNOWN_HOST: int
VIR_ERR_WARNING: int
VIR_ERR_WRITE_FAILED: int
VIR_ERR_XEN_CALL: int
VIR_ERR_XML_DETAIL: int
VIR_ERR_XML_ERROR: int
VIR_ERR_XML_INVALID_SCHEMA: int
VIR_EVENT_HANDLE_ERROR: int
VIR_EVENT_HANDLE_HANGUP: int
VIR_EVENT_HANDLE_READABLE: int
VIR_EVENT_HANDLE_WRITABLE: int
VIR_FROM_ACCESS: int
VIR_FROM_ADMIN: int
VIR_FROM_AUDIT: int
VIR_FROM_AUTH: int
VIR_FROM_BHYVE: int
VIR_FROM_BPF: int
VIR_FROM_CAPABILITIES: int
VIR_FROM_CGROUP: int
VIR_FROM_CH: int
VIR_FROM_CONF: int
VIR_FROM_CPU: int
VIR_FROM_CRYPTO: int
VIR_FROM_DBUS: int
VIR_FROM_DEVICE: int
VIR_FROM_DOM: int
VIR_FROM_DOMAIN: int
VIR_FROM_DOMAIN_CHECKPOINT: int
VIR_FROM_DOMAIN_SNAPSHOT: int
VIR_FROM_ESX: int
VIR_FROM_EVENT: int
VIR_FROM_FIREWALL: int
VIR_FROM_FIREWALLD: int
VIR_FROM_HOOK: int
VIR_FROM_HYPERV: int
VIR_FROM_IDENTITY: int
VIR_FROM_INITCTL: int
VIR_FROM_INTERFACE: int
VIR_FROM_LIBSSH: int
VIR_FROM_LIBXL: int
VIR_FROM_LOCKING: int
VIR_FROM_LOCKSPACE: int
VIR_FROM_LOGGING: int
VIR_FROM_LXC: int
VIR_FROM_NET: int
VIR_FROM_NETWORK: int
VIR_FROM_NODEDEV: int
VIR_FROM_NONE: int
VIR_FROM_NWFILTER: int
VIR_FROM_ONE: int
VIR_FROM_OPENVZ: int
VIR_FROM_PARALLELS: int
VIR_FROM_PERF: int
VIR_FROM_PHYP: int
VIR_FROM_POLKIT: int
VIR_FROM_PROXY: int
VIR_FROM_QEMU: int
VIR_FROM_REMOTE: int
VIR_FROM_RESCTRL: int
VIR_FROM_RPC: int
VIR_FROM_SECRET: int
VIR_FROM_SECURITY: int
VIR_FROM_SEXPR: int
VIR_FROM_SSH: int
VIR_FROM_STATS_LINUX: int
VIR_FROM_STORAGE: int
VIR_FROM_STREAMS: int
VIR_FROM_SYSINFO: int
VIR_FROM_SYSTEMD: int
VIR_FROM_TEST: int
VIR_FROM_THREAD: int
VIR_FROM_TPM: int
VIR_FROM_UML: int
VIR_FROM_URI: int
VIR_FROM_VBOX: int
VIR_FROM_VMWARE: int
VIR_FROM_XEN: int
VIR_FROM_XENAPI: int
VIR_FROM_XEND: int
VIR_FROM_XENSTORE: int
VIR_FROM_XENXL: int
VIR_FROM_XENXM: int
VIR_FROM_XEN_INOTIFY: int
VIR_FROM_XML: int
VIR_INTERFACE_DEFINE_VALIDATE: int
VIR_INTERFACE_XML_INACTIVE: int
VIR_NETWORK_EVENT_DEFINED: int
VIR_NETWORK_EVENT_ID_LIFECYCLE: int
VIR_NETWORK_EVENT_STARTED: int
VIR_NETWORK_EVENT_STOPPED: int
VIR_NETWORK_EVENT_UNDEFINED: int
VIR_NETWORK_XML_INACTIVE: int
VIR_NODE_CPU_STATS_ALL_CPUS: int
VIR_NODE_DEVICE_CREATE_XML_VALIDATE: int
VIR_NODE_DEVICE_DEFINE_XML_VALIDATE: int
VIR_NODE_DEVICE_EVENT_CREATED: int
VIR_NODE_DEVICE_EVENT_DEFINED: int
VIR_NODE_DEVICE_EVENT_DELETED: int
VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE: int
VIR_NODE_DEVICE_EVENT_ID_UPDATE: int
VIR_NODE_DEVICE_EVENT_UNDEFINED: int
VIR_NODE_MEMORY_STATS_ALL_CELLS: int
VIR_SECRET_EVENT_DEFINED: int
VIR_SECRET_EVENT_ID_LIFECYCLE: int
VIR_SECRET_EVENT_ID_VALUE_CHANGED: int
VIR_SECRET_EVENT_UNDEFINED: int
VIR_STORAGE_POOL_BUILDING: int
VIR_STORAGE_POOL_BUILD_NEW: int
VIR_STORAGE_POOL_BUILD_NO_OVERWRITE: int
VIR_STORAGE_POOL_BUILD_OVERWRITE: int
VIR_STORAGE_POOL_BUILD_REPAIR: int
VIR_STORAGE_POOL_BUILD_RESIZE: int
VIR_STORAGE_POOL_CREATE_NORMAL: int
VIR_STORAGE_POOL_CREATE_WITH_BUILD: int
VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE: int
VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE: int
VIR_STORAGE_POOL_DEFINE_VALIDATE: int
VIR_STORAGE_POOL_DEGRADED: int
VIR_STORAGE_POOL_DELETE_NORMAL: int
VIR_STORAGE_POOL_DELETE_ZEROED: int
VIR_STORAGE_POOL_EVENT_CREATED: int
VIR_STORAGE_POOL_EVENT_DEFINED: int
VIR_STORAGE_POOL_EVENT_DELETED: int
VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE: int
VIR_STORAGE_POOL_EVENT_ID_REFRESH: int
VIR_STORAGE_POOL_EVENT_STARTED: int
VIR_STORAGE_POOL_EVENT_STOPPED: int
VIR_STORAGE_POOL_EVENT_UNDEFINED: int
VIR_STORAGE_POOL_INACCESSIBLE: int
VIR_STORAGE_POOL_INACTIVE: int
VIR_STORAGE_POOL_RUNNING: int
VIR_STORAGE_VOL_BLOCK: int
VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA: int
VIR_STORAGE_VOL_CREATE_REFLINK: int
VIR_STORAGE_VOL_CREATE_VALIDATE: int
VIR_STORAGE_VOL_DELETE_NORMAL: int
VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS: int
VIR_STORAGE_VOL_DELETE_ZEROED: int
VIR_STORAGE_VOL_DIR: int
VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM: int
VIR_STORAGE_VOL_FILE: int
VIR_STORAGE_VOL_GET_PHYSICAL: int
VIR_STORAGE_VOL_NETDIR: int
VIR_STORAGE_VOL_NETWORK: int
VIR_STORAGE_VOL_PLOOP: int
VIR_STORAGE_VOL_RESIZE_ALLOCATE: int
VIR_STORAGE_VOL_RESIZE_DELTA: int
VIR_STORAGE_VOL_RESIZE_SHRINK: int
VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM: int
VIR_STORAGE_VOL_USE_ALLOCATION: int
VIR_STORAGE_VOL_WIPE_ALG_BSI: int
VIR_STORAGE_VOL_WIPE_ALG_DOD: int
VIR_STORAGE_VOL_WIPE_ALG_GUTMANN: int
VIR_STORAGE_VOL_WIPE_ALG_NNSA: int
VIR_STORAGE_VOL_WIPE_ALG_PFITZNER33: int
VIR_STORAGE_VOL_WIPE_ALG_PFITZNER7: int
VIR_STORAGE_VOL_WIPE_ALG_RANDOM: int
VIR_STORAGE_VOL_WIPE_ALG_SCHNEIER: int
VIR_STORAGE_VOL_WIPE_ALG_TRIM: int
VIR_STORAGE_VOL_WIPE_ALG_ZERO: int
VIR_STORAGE_XML_INACTIVE: int
VIR_STREAM_EVENT_ERROR: int
VIR_STREAM_EVENT_HANGUP: int
VIR_STREAM_EVENT_READABLE: int
VIR_STREAM_EVENT_WRITABLE: int
VIR_STREAM_NONBLOCK: int
VIR_STREAM_RECV_STOP_AT_HOLE: int
VIR_TYPED_PARAM_BOOLEAN: int
VIR_TYPED_PARAM_DOUBLE: int
VIR_TYPED_PARAM_INT: int
VIR_TYPED_PARAM_LLONG: int
VIR_TYPED_PARAM_STRING: int
VIR_TYPED_PARAM_STRING_OKAY: int
VIR_TYPED_PARAM_UINT: int
VIR_TYPED_PARAM_ULLONG: int
VIR_VCPU_BLOCKED: int
VIR_VCPU_OFFLINE: int
VIR_VCPU_RUNNING: int
VIR_WAR_NO_INTERFACE: int
VIR_WAR_NO_NETWORK: int
VIR_WAR_NO_NODE: int
VIR_WAR_NO_NWFILTER: int
VIR_WAR_NO_SECRET: int
VIR_WAR_NO_STORAGE: int
