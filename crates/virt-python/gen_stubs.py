"""Write python/libvirt/libvirtmod.pyi from the built module.

The native classes carry their signatures (PyO3's __text_signature__) and
docstrings (the Rust doc comments); the return types are libvirt-python's,
listed here. Run it with the freshly built module on the path after adding
a method, then commit the .pyi (tests/python/test_binding.py fails while a
public name is missing from it):

    PYTHONPATH=DIR_WITH_BUILT_MODULE python3 gen_stubs.py > python/libvirt/libvirtmod.pyi
"""

import libvirt

RETURNS = {
    "name": "str", "UUIDString": "str", "UUID": "bytes", "ID": "int", "OSType": "str",
    "XMLDesc": "str", "info": "List[int]", "state": "List[int]", "maxMemory": "int",
    "maxVcpus": "int", "vcpusFlags": "int", "schedulerType": "Tuple[str, int]",
    "schedulerParameters": "Dict[str, Any]", "schedulerParametersFlags": "Dict[str, Any]",
    "securityLabel": "List[Any]", "vcpuPinInfo": "List[Tuple[bool, ...]]",
    "vcpus": "Tuple[List[Tuple[int, int, int, int]], List[Tuple[bool, ...]]]",
    "connect": "virConnect", "bridgeName": "str", "getType": "str", "getHostname": "str",
    "getURI": "str", "getCapabilities": "str", "getInfo": "List[Any]",
    "getCellsFreeMemory": "List[int]", "getCPUMap": "Tuple[int, List[bool], int]",
    "getSecurityModel": "List[str]", "listDomainsID": "List[int]",
    "listDefinedDomains": "List[str]", "listAllDomains": "List[virDomain]",
    "createXML": "virDomain", "createLinux": "virDomain", "defineXML": "virDomain",
    "defineXMLFlags": "virDomain", "lookupByID": "virDomain", "lookupByName": "virDomain",
    "lookupByUUID": "virDomain", "lookupByUUIDString": "virDomain",
    "listAllNetworks": "List[virNetwork]", "networkLookupByName": "virNetwork",
    "networkLookupByUUID": "virNetwork", "networkLookupByUUIDString": "virNetwork",
    "networkDefineXML": "virNetwork", "networkDefineXMLFlags": "virNetwork",
    "networkCreateXML": "virNetwork", "networkCreateXMLFlags": "virNetwork",
    "listNetworks": "List[str]", "listDefinedNetworks": "List[str]",
    "listAllStoragePools": "List[virStoragePool]", "storagePoolLookupByName": "virStoragePool",
    "listStoragePools": "List[str]", "listDefinedStoragePools": "List[str]",
    "virConnGetLastError": "Optional[_RawError]", "virConnResetLastError": "None",
    "__enter__": "virConnect", "__exit__": "None", "open": "virConnect",
    "openReadOnly": "virConnect", "openAuth": "virConnect",
    "virGetLastError": "Optional[_RawError]", "virGetLastErrorMessage": "str",
    "virResetLastError": "None",
    "virStoragePool.createXML": "virStorageVol", "key": "str", "path": "str", "storagePoolLookupByVolume": "virStoragePool",
    "storagePoolLookupByUUID": "virStoragePool", "storagePoolLookupByUUIDString": "virStoragePool",
    "storagePoolDefineXML": "virStoragePool", "storagePoolCreateXML": "virStoragePool",
    "storageVolLookupByKey": "virStorageVol", "storageVolLookupByPath": "virStorageVol",
    "storageVolLookupByName": "virStorageVol", "createXMLFrom": "virStorageVol",
    "listAllVolumes": "List[virStorageVol]", "listVolumes": "List[str]",
    "listAllInterfaces": "List[virInterface]", "interfaceLookupByName": "virInterface",
    "interfaceLookupByMACString": "virInterface", "interfaceDefineXML": "virInterface",
    "listInterfaces": "List[str]", "listDefinedInterfaces": "List[str]", "MACString": "str",
    "listAllDevices": "List[virNodeDevice]", "listDevices": "List[str]",
    "nodeDeviceLookupByName": "virNodeDevice", "nodeDeviceCreateXML": "virNodeDevice",
    "nodeDeviceDefineXML": "virNodeDevice", "parent": "Optional[str]", "listCaps": "List[str]",
    "snapshotCreateXML": "virDomainSnapshot", "snapshotLookupByName": "virDomainSnapshot",
    "snapshotCurrent": "virDomainSnapshot", "listAllSnapshots": "List[virDomainSnapshot]",
    "snapshotListNames": "List[str]", "getName": "str", "getXMLDesc": "str",
    "getParent": "virDomainSnapshot", "listAllChildren": "List[virDomainSnapshot]",
    "listChildrenNames": "List[str]", "domain": "virDomain", "getDomain": "virDomain",
    "getConnect": "virConnect",
    "checkpointCreateXML": "virDomainCheckpoint", "checkpointLookupByName": "virDomainCheckpoint",
    "listAllCheckpoints": "List[virDomainCheckpoint]",
    "virDomainCheckpoint.getParent": "virDomainCheckpoint",
    "virDomainCheckpoint.listAllChildren": "List[virDomainCheckpoint]",
    "newStream": "virStream", "virStream.connect": "virConnect",
    "recv": "Union[bytes, int]", "recvFlags": "Union[bytes, int]",
    "recvAll": "None", "sendAll": "None", "sparseRecvAll": "None", "sparseSendAll": "None",
    "eventAddCallback": "None", "getMemoryStats": "Dict[str, int]",
    "blockStats": "Tuple[int, int, int, int, int]",
    "interfaceStats": "Tuple[int, int, int, int, int, int, int, int]",
    "memoryStats": "Dict[str, int]", "blockInfo": "List[int]", "screenshot": "str",
    "getCPUStats": "List[Dict[str, Any]]", "jobInfo": "List[int]", "jobStats": "Dict[str, Any]",
}


def signature(f, name, indent, module_level, cname=""):
    s = getattr(f, "__text_signature__", None) or "($self)"
    s = s.replace("$self", "self").replace("$module, ", "").replace("$module", "")
    r = RETURNS.get(cname + "." + name, RETURNS.get(name, "int"))
    if module_level and name == "getVersion":
        r = "Union[int, Tuple[int, int]]"
    pad = "    " * indent
    doc = (f.__doc__ or "").strip().replace('"""', "'''")
    body = '"""%s"""' % doc.replace("\n", "\n" + pad + "    ") if doc else "..."
    return "%sdef %s%s -> %s:\n%s    %s\n" % (pad, name, s, r, pad, body)


def main():
    m = libvirt.libvirtmod
    print('"""Type stubs for libvirt.libvirtmod, the native half of virt-rs\'s libvirt module.')
    print("")
    print("Written by gen_stubs.py from the built module.")
    print('"""')
    print("")
    print("from typing import Any, Dict, List, Optional, Tuple, Union")
    print("")
    print("_RawError = Tuple[int, int, str, int, Optional[str], Optional[str], Optional[str], int, int]")
    print("")
    for cname in ["virConnect", "virDomain", "virNetwork", "virStoragePool", "virStorageVol",
                  "virInterface", "virNodeDevice", "virDomainSnapshot", "virDomainCheckpoint",
                  "virStream"]:
        c = getattr(m, cname)
        print("")
        print("class %s:" % cname)
        print('    """%s"""' % (c.__doc__ or "").strip().replace("\n", "\n    "))
        print("")
        for n, f in vars(c).items():
            if (n.startswith("_") and n not in ("__enter__", "__exit__")) or not callable(f):
                continue
            print(signature(f, n, 1, False, cname))
    print("")
    for n in dir(m):
        f = getattr(m, n)
        if not n.startswith("_") and callable(f) and not isinstance(f, type):
            print(signature(f, n, 0, True))
    for n in dir(m):
        if n.startswith("VIR_"):
            print("%s: int" % n)


if __name__ == "__main__":
    main()
