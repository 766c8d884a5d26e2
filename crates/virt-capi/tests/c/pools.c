/* Storage pool life cycle on test:///default: define, build, start,
 * refresh, autostart, stop, delete, undefine; a transient pool; lookups by
 * UUID; the errors on the way. Output compared with the same program
 * linked against libvirt. Written for virt-rs's tests. */

#include <stdio.h>
#include <stdlib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "result.h"

static void state(virStoragePoolPtr p)
{
    virStoragePoolInfo info;
    int autostart = -1;
    virStoragePoolGetInfo(p, &info);
    virStoragePoolGetAutostart(p, &autostart);
    printf("  %s state=%d active=%d persistent=%d autostart=%d\n",
           virStoragePoolGetName(p), info.state, virStoragePoolIsActive(p),
           virStoragePoolIsPersistent(p), autostart);
}

static const char *POOL =
    "<pool type='dir'><name>scratch</name>"
    "<uuid>0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d</uuid>"
    "<target><path>/var/lib/virt-capi-test-pool</path></target></pool>";

static const char *TRANSIENT =
    "<pool type='dir'><name>passing</name>"
    "<target><path>/var/lib/virt-capi-test-passing</path></target></pool>";

int main(void)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    unsigned char raw[VIR_UUID_BUFLEN];

    setvbuf(stdout, NULL, _IONBF, 0);
    virSetErrorFunc(NULL, quiet);
    virConnectPtr conn = virConnectOpen("test:///default");

    virStoragePoolPtr p = virStoragePoolDefineXML(conn, POOL, 0);
    result("DefineXML", p != NULL);
    state(p);
    result("Build", virStoragePoolBuild(p, 0));
    result("Create", virStoragePoolCreate(p, 0));
    state(p);
    result("Create again", virStoragePoolCreate(p, 0));
    result("Refresh", virStoragePoolRefresh(p, 0));
    result("SetAutostart", virStoragePoolSetAutostart(p, 1));
    state(p);
    result("Undefine active", virStoragePoolUndefine(p));
    state(p);
    result("Destroy", virStoragePoolDestroy(p));
    result("Destroy again", virStoragePoolDestroy(p));
    result("Refresh inactive", virStoragePoolRefresh(p, 0));
    result("Delete", virStoragePoolDelete(p, 0));

    virStoragePoolGetUUIDString(p, uuid);
    virStoragePoolGetUUID(p, raw);
    virStoragePoolPtr q = virStoragePoolLookupByUUIDString(conn, uuid);
    result("LookupByUUIDString", q != NULL);
    if (q)
        virStoragePoolFree(q);
    q = virStoragePoolLookupByUUID(conn, raw);
    result("LookupByUUID", q != NULL);
    if (q)
        virStoragePoolFree(q);
    result("LookupByUUIDString bad", virStoragePoolLookupByUUIDString(conn, "nope") != NULL);
    result("Undefine", virStoragePoolUndefine(p));
    result("LookupByUUID gone", virStoragePoolLookupByUUID(conn, raw) != NULL);
    virStoragePoolFree(p);

    p = virStoragePoolCreateXML(conn, TRANSIENT, 0);
    result("CreateXML", p != NULL);
    state(p);
    result("Destroy transient", virStoragePoolDestroy(p));
    result("LookupByName gone", virStoragePoolLookupByName(conn, "passing") != NULL);
    virStoragePoolFree(p);

    result("DefineXML bad", virStoragePoolDefineXML(conn, "<pool", 0) != NULL);
    result("DefineXML NULL", virStoragePoolDefineXML(conn, NULL, 0) != NULL);
    result("Build NULL pool", virStoragePoolBuild(NULL, 0));
    result("ListStoragePools NULL", virConnectListStoragePools(conn, NULL, 1));
    result("ListDefinedStoragePools negative",
           virConnectListDefinedStoragePools(conn, (char **)&p, -1));
    result("NumOfStoragePools NULL", virConnectNumOfStoragePools(NULL));
    result("NumOfDefinedStoragePools NULL", virConnectNumOfDefinedStoragePools(NULL));

    virConnectPtr ro = virConnectOpenReadOnly("test:///default");
    p = virStoragePoolLookupByName(ro, "default-pool");
    result("read-only Destroy", virStoragePoolDestroy(p));
    virStoragePoolFree(p);
    virConnectClose(ro);

    result("Close", virConnectClose(conn));
    return 0;
}
