/* Network life cycle on test:///default: define, start, autostart, stop,
 * undefine; a transient network; the name listings and counts on the way;
 * lookups by UUID; the errors. Output compared with the same program
 * linked against libvirt. Written for virt-rs's tests. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "result.h"

static void state(virNetworkPtr n)
{
    int autostart = -1;
    virNetworkGetAutostart(n, &autostart);
    printf("  %s active=%d persistent=%d autostart=%d\n", virNetworkGetName(n),
           virNetworkIsActive(n), virNetworkIsPersistent(n), autostart);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The counts and the name lists, active and defined, sorted (libvirt
 * lists in its hash table's order). */
static void listing(virConnectPtr conn)
{
    char *names[16];
    int i, n;

    n = virConnectListNetworks(conn, names, 16);
    if (n > 0)
        qsort(names, n, sizeof names[0], by_name);
    printf("  active %d of %d:", n, virConnectNumOfNetworks(conn));
    for (i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    n = virConnectListDefinedNetworks(conn, names, 16);
    if (n > 0)
        qsort(names, n, sizeof names[0], by_name);
    printf("; defined %d of %d:", n, virConnectNumOfDefinedNetworks(conn));
    for (i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

/* A call handing out a network: its result line, then the handle freed. */
static void got(const char *what, virNetworkPtr n)
{
    result(what, n != NULL);
    if (n)
        virNetworkFree(n);
}

static const char *NET =
    "<network><name>scratch</name>"
    "<uuid>1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d</uuid>"
    "<bridge name='virbr9'/>"
    "<ip address='192.168.199.1' netmask='255.255.255.0'/></network>";

static const char *TRANSIENT =
    "<network><name>passing</name>"
    "<uuid>2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e</uuid><bridge name='virbr8'/>"
    "<ip address='192.168.198.1' netmask='255.255.255.0'/></network>";

int main(void)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    unsigned char raw[VIR_UUID_BUFLEN];
    char *one[1];

    setvbuf(stdout, NULL, _IONBF, 0);
    virSetErrorFunc(NULL, quiet);
    virConnectPtr conn = virConnectOpen("test:///default");
    listing(conn);

    virNetworkPtr n = virNetworkDefineXML(conn, NET);
    result("DefineXML", n != NULL);
    state(n);
    listing(conn);
    result("Create", virNetworkCreate(n));
    state(n);
    result("Create again", virNetworkCreate(n));
    listing(conn);
    result("SetAutostart", virNetworkSetAutostart(n, 1));
    state(n);
    result("SetAutostart off", virNetworkSetAutostart(n, 0));
    result("Undefine active", virNetworkUndefine(n));
    state(n);
    result("SetAutostart transient", virNetworkSetAutostart(n, 1));

    result("GetUUIDString", virNetworkGetUUIDString(n, uuid));
    printf("  uuid %s\n", uuid);
    virNetworkGetUUID(n, raw);
    virNetworkPtr q = virNetworkLookupByUUIDString(conn, uuid);
    result("LookupByUUIDString", q != NULL);
    if (q) {
        printf("  found %s\n", virNetworkGetName(q));
        virNetworkFree(q);
    }
    q = virNetworkLookupByUUIDString(conn, "1a2b3c4d5e6f4a7b8c9d0e1f2a3b4c5d");
    result("LookupByUUIDString undashed", q != NULL);
    if (q)
        virNetworkFree(q);
    q = virNetworkLookupByUUID(conn, raw);
    result("LookupByUUID", q != NULL);
    if (q)
        virNetworkFree(q);
    got("LookupByUUIDString bad", virNetworkLookupByUUIDString(conn, "nope"));

    result("Destroy", virNetworkDestroy(n));
    result("Destroy again", virNetworkDestroy(n));
    got("LookupByUUID gone", virNetworkLookupByUUID(conn, raw));
    result("Undefine gone", virNetworkUndefine(n));
    virNetworkFree(n);
    listing(conn);

    n = virNetworkCreateXML(conn, TRANSIENT);
    result("CreateXML", n != NULL);
    state(n);
    got("CreateXML again", virNetworkCreateXML(conn, TRANSIENT));
    result("Undefine transient", virNetworkUndefine(n));
    listing(conn);
    result("Destroy transient", virNetworkDestroy(n));
    got("LookupByName gone", virNetworkLookupByName(conn, "passing"));
    virNetworkFree(n);

    n = virNetworkDefineXML(conn, NET);
    result("DefineXML again", n != NULL);
    got("DefineXML twice", virNetworkDefineXML(conn, NET));
    result("Undefine inactive", virNetworkUndefine(n));
    virNetworkFree(n);

    got("DefineXML bad", virNetworkDefineXML(conn, "<network"));
    got("DefineXML NULL", virNetworkDefineXML(conn, NULL));
    got("CreateXML NULL", virNetworkCreateXML(conn, NULL));
    result("Create NULL", virNetworkCreate(NULL));
    result("Destroy NULL", virNetworkDestroy(NULL));
    result("Undefine NULL", virNetworkUndefine(NULL));
    result("SetAutostart NULL", virNetworkSetAutostart(NULL, 1));
    got("LookupByUUID NULL", virNetworkLookupByUUID(conn, NULL));
    result("ListNetworks NULL", virConnectListNetworks(conn, NULL, 1));
    result("ListNetworks negative", virConnectListNetworks(conn, one, -1));
    result("ListNetworks 0", virConnectListNetworks(conn, one, 0));
    result("ListDefinedNetworks NULL", virConnectListDefinedNetworks(conn, NULL, 1));
    result("NumOfNetworks NULL", virConnectNumOfNetworks(NULL));
    result("NumOfDefinedNetworks NULL", virConnectNumOfDefinedNetworks(NULL));

    virConnectPtr ro = virConnectOpenReadOnly("test:///default");
    n = virNetworkLookupByName(ro, "default");
    result("read-only Destroy", virNetworkDestroy(n));
    result("read-only Create", virNetworkCreate(n));
    result("read-only Undefine", virNetworkUndefine(n));
    result("read-only SetAutostart", virNetworkSetAutostart(n, 1));
    virNetworkFree(n);
    got("read-only DefineXML", virNetworkDefineXML(ro, NET));
    got("read-only CreateXML", virNetworkCreateXML(ro, TRANSIENT));
    result("read-only NumOfNetworks", virConnectNumOfNetworks(ro));
    virConnectClose(ro);

    result("Close", virConnectClose(conn));
    return 0;
}
