/* libvirt's reference counting, checked from C: handles hold their
 * connection; Ref and Free/Close pair up; virConnectClose says whether
 * references remain. Output compared with libvirt. Written for virt-rs. */

#include <stdio.h>
#include <stdlib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "result.h"

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    virSetErrorFunc(NULL, quiet);

    virConnectPtr conn = virConnectOpen("test:///default");
    virDomainPtr a = virDomainLookupByName(conn, "test");
    virDomainPtr b = virDomainLookupByName(conn, "test");
    printf("two lookups, two handles: %d\n", a != b);
    printf("domain ref: %d\n", virDomainRef(a));
    printf("conn ref: %d\n", virConnectRef(conn));

    virNetworkPtr net = virNetworkLookupByName(conn, "default");
    virStoragePoolPtr pool = virStoragePoolLookupByName(conn, "default-pool");
    printf("network ref: %d, pool ref: %d\n", virNetworkRef(net), virStoragePoolRef(pool));

    printf("close (conn ref left): %d\n", virConnectClose(conn));
    printf("close (handles left): %d\n", virConnectClose(conn));
    /* The handles still work: they hold the connection. */
    printf("a still usable: %s active=%d\n", virDomainGetName(a), virDomainIsActive(a));
    printf("connection of a still usable: %s\n", virConnectGetType(virDomainGetConnect(a)));

    printf("free a: %d\n", virDomainFree(a));
    printf("free a again (its Ref): %d\n", virDomainFree(a));
    printf("free b: %d\n", virDomainFree(b));
    printf("free network: %d %d\n", virNetworkFree(net), virNetworkFree(net));
    printf("free pool: %d %d\n", virStoragePoolFree(pool), virStoragePoolFree(pool));

    printf("free NULL: %d %d %d %d\n", virDomainFree(NULL), virNetworkFree(NULL),
           virStoragePoolFree(NULL), virConnectClose(NULL));
    printf("ref NULL: %d %d\n", virDomainRef(NULL), virConnectRef(NULL));
    printf("last: %s\n", virGetLastErrorMessage());

    /* A connection with nothing else held closes at once. */
    conn = virConnectOpenReadOnly("test:///default");
    printf("close lone: %d\n", virConnectClose(conn));

    /* Listed handles are owned by the caller, as are the arrays. */
    conn = virConnectOpen("test:///default");
    virDomainPtr *doms;
    int n = virConnectListAllDomains(conn, &doms, 0);
    printf("listed %d\n", n);
    printf("close with listed handles: %d\n", virConnectClose(conn));
    for (int i = 0; i < n; i++)
        virDomainFree(doms[i]);
    free(doms);
    return 0;
}
