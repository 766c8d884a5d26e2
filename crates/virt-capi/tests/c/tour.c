/* A tour of the C API on test:///default: every call, its results and its
 * errors printed, so the output can be compared with the same program
 * linked against libvirt. Written for virt-rs's tests. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "result.h"

/* The last error, or "ok". */
static void show_string(const char *what, char *s)
{
    result(what, s != NULL);
    if (s)
        printf("  %s\n", s);
    free(s);
}

static void show_domain(virDomainPtr d)
{
    virDomainInfo info;
    char uuid[VIR_UUID_STRING_BUFLEN];
    unsigned char raw[VIR_UUID_BUFLEN];
    int state = -1, reason = -1, autostart = -1;

    printf("domain %s id=%d\n", virDomainGetName(d), (int)virDomainGetID(d));
    result("GetUUIDString", virDomainGetUUIDString(d, uuid));
    printf("  uuid %s\n", uuid);
    result("GetUUID", virDomainGetUUID(d, raw));
    printf("  raw %02x%02x..%02x\n", raw[0], raw[1], raw[15]);
    result("GetInfo", virDomainGetInfo(d, &info));
    printf("  state=%d maxMem=%lu memory=%lu vcpus=%d\n", info.state,
           info.maxMem, info.memory, info.nrVirtCpu);
    result("GetState", virDomainGetState(d, &state, &reason, 0));
    printf("  state=%d reason=%d\n", state, reason);
    result("GetMaxMemory", (long long)virDomainGetMaxMemory(d));
    result("GetMaxVcpus", virDomainGetMaxVcpus(d));
    result("IsActive", virDomainIsActive(d));
    result("IsPersistent", virDomainIsPersistent(d));
    result("GetAutostart", virDomainGetAutostart(d, &autostart));
    printf("  autostart=%d\n", autostart);
    show_string("GetOSType", virDomainGetOSType(d));
    result("GetConnect same", virDomainGetConnect(d) != NULL);
}

static const char *NEW_DOMAIN =
    "<domain type='test'><name>tour</name>"
    "<uuid>8d1ef6f8-7b6f-4a3c-9c5d-0123456789ab</uuid>"
    "<memory unit='KiB'>65536</memory><vcpu>2</vcpu>"
    "<os><type arch='x86_64'>hvm</type></os></domain>";

int main(void)
{
    unsigned long ver = 0, hv = 0;
    virNodeInfo node;
    int ids[8], n, i;
    char *names[8];
    virDomainPtr *doms = NULL;
    virNetworkPtr *nets = NULL;
    virStoragePoolPtr *pools = NULL;

    setvbuf(stdout, NULL, _IONBF, 0);
    virSetErrorFunc(NULL, quiet);

    result("GetVersion", virGetVersion(&ver, NULL, NULL));
    printf("  lib %lu\n", ver);

    virConnectPtr conn = virConnectOpen("test:///default");
    result("Open", conn != NULL);
    printf("type %s\n", virConnectGetType(conn));
    result("GetVersion", virConnectGetVersion(conn, &hv));
    printf("  hv %lu\n", hv);
    result("GetLibVersion", virConnectGetLibVersion(conn, &ver));
    printf("  lib %lu\n", ver);
    show_string("GetURI", virConnectGetURI(conn));
    result("GetMaxVcpus", virConnectGetMaxVcpus(conn, NULL));
    result("IsAlive", virConnectIsAlive(conn));

    result("NodeGetInfo", virNodeGetInfo(conn, &node));
    printf("  model=%s memory=%lu cpus=%u mhz=%u nodes=%u sockets=%u cores=%u threads=%u max=%u\n",
           node.model, node.memory, node.cpus, node.mhz, node.nodes,
           node.sockets, node.cores, node.threads, VIR_NODEINFO_MAXCPUS(node));

    n = virConnectNumOfDomains(conn);
    result("NumOfDomains", n);
    n = virConnectListDomains(conn, ids, 8);
    result("ListDomains", n);
    for (i = 0; i < n; i++)
        printf("  id %d\n", ids[i]);
    result("NumOfDefinedDomains", virConnectNumOfDefinedDomains(conn));

    virDomainPtr d = virDomainLookupByName(conn, "test");
    result("LookupByName", d != NULL);
    show_domain(d);
    show_string("GetXMLDesc", virDomainGetXMLDesc(d, 0));

    virDomainPtr byid = virDomainLookupByID(conn, 1);
    result("LookupByID", byid != NULL);
    printf("  %s\n", virDomainGetName(byid));
    virDomainFree(byid);

    /* Life cycle. */
    result("Suspend", virDomainSuspend(d));
    result("Suspend again", virDomainSuspend(d));
    int state, reason;
    virDomainGetState(d, &state, &reason, 0);
    printf("  state=%d reason=%d\n", state, reason);
    result("Resume", virDomainResume(d));
    result("SetMemory", virDomainSetMemory(d, 4096));
    result("SetMemory 0", virDomainSetMemory(d, 0));
    result("Destroy", virDomainDestroy(d));
    printf("  id after destroy %d\n", (int)virDomainGetID(d));
    result("Destroy again", virDomainDestroy(d));
    result("NumOfDefinedDomains", virConnectNumOfDefinedDomains(conn));
    n = virConnectListDefinedDomains(conn, names, 8);
    result("ListDefinedDomains", n);
    for (i = 0; i < n; i++) {
        printf("  %s\n", names[i]);
        free(names[i]);
    }
    result("Create", virDomainCreate(d));
    printf("  id after create %d\n", (int)virDomainGetID(d));

    /* Define, start, undefine a domain of our own. */
    virDomainPtr t = virDomainDefineXML(conn, NEW_DOMAIN);
    result("DefineXML", t != NULL);
    show_domain(t);
    virDomainPtr u = virDomainLookupByUUIDString(conn, "8d1ef6f8-7b6f-4a3c-9c5d-0123456789ab");
    result("LookupByUUIDString", u != NULL);
    printf("  %s\n", virDomainGetName(u));
    result("SetAutostart", virDomainSetAutostart(u, 1));
    result("CreateWithFlags", virDomainCreateWithFlags(u, 0));
    show_domain(t);
    result("Undefine running", virDomainUndefine(t));
    result("Destroy", virDomainDestroy(t));
    virDomainFree(u);
    virDomainFree(t);

    n = virConnectListAllDomains(conn, &doms, 0);
    result("ListAllDomains", n);
    for (i = 0; i < n; i++) {
        printf("  %s active=%d\n", virDomainGetName(doms[i]), virDomainIsActive(doms[i]));
        virDomainFree(doms[i]);
    }
    printf("  terminated %d\n", n >= 0 && doms[n] == NULL);
    free(doms);
    result("ListAllDomains count only", virConnectListAllDomains(conn, NULL, VIR_CONNECT_LIST_DOMAINS_ACTIVE));

    /* Errors. */
    result("LookupByName missing", virDomainLookupByName(conn, "missing") != NULL);
    result("LookupByName NULL", virDomainLookupByName(conn, NULL) != NULL);
    result("LookupByID -1", virDomainLookupByID(conn, -1) != NULL);
    result("LookupByID 99", virDomainLookupByID(conn, 99) != NULL);
    result("LookupByUUIDString bad", virDomainLookupByUUIDString(conn, "zz") != NULL);
    result("ListDomains NULL", virConnectListDomains(conn, NULL, 3));
    result("ListDomains -1", virConnectListDomains(conn, ids, -1));
    result("DefineXML bad", virDomainDefineXML(conn, "<domain") != NULL);
    result("GetState NULL", virDomainGetState(d, NULL, NULL, 0));
    result("GetInfo NULL domain", virDomainGetInfo(NULL, NULL));
    result("GetType NULL", virConnectGetType(NULL) != NULL);
    result("GetURI NULL", virConnectGetURI(NULL) != NULL);

    /* Networks and pools. */
    result("NumOfNetworks", virConnectNumOfNetworks(conn));
    result("NumOfDefinedNetworks", virConnectNumOfDefinedNetworks(conn));
    n = virConnectListNetworks(conn, names, 8);
    result("ListNetworks", n);
    for (i = 0; i < n; i++) {
        printf("  %s\n", names[i]);
        free(names[i]);
    }
    n = virConnectListAllNetworks(conn, &nets, 0);
    result("ListAllNetworks", n);
    for (i = 0; i < n; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        int autostart = -1;
        virNetworkGetUUIDString(nets[i], uuid);
        virNetworkGetAutostart(nets[i], &autostart);
        printf("  %s %s active=%d persistent=%d autostart=%d\n",
               virNetworkGetName(nets[i]), uuid, virNetworkIsActive(nets[i]),
               virNetworkIsPersistent(nets[i]), autostart);
        show_string("GetBridgeName", virNetworkGetBridgeName(nets[i]));
        virNetworkPtr again = virNetworkLookupByUUIDString(conn, uuid);
        result("NetworkLookupByUUIDString", again != NULL);
        printf("  %s\n", virNetworkGetName(again));
        virNetworkFree(again);
        virNetworkFree(nets[i]);
    }
    free(nets);
    result("NetworkLookupByName missing", virNetworkLookupByName(conn, "x") != NULL);
    result("NetworkGetName NULL", virNetworkGetName(NULL) != NULL);

    result("NumOfStoragePools", virConnectNumOfStoragePools(conn));
    result("NumOfDefinedStoragePools", virConnectNumOfDefinedStoragePools(conn));
    n = virConnectListAllStoragePools(conn, &pools, 0);
    result("ListAllStoragePools", n);
    for (i = 0; i < n; i++) {
        virStoragePoolInfo pinfo;
        int autostart = -1;
        virStoragePoolGetInfo(pools[i], &pinfo);
        virStoragePoolGetAutostart(pools[i], &autostart);
        printf("  %s state=%d capacity=%llu allocation=%llu available=%llu active=%d persistent=%d autostart=%d\n",
               virStoragePoolGetName(pools[i]), pinfo.state, pinfo.capacity,
               pinfo.allocation, pinfo.available, virStoragePoolIsActive(pools[i]),
               virStoragePoolIsPersistent(pools[i]), autostart);
        virStoragePoolFree(pools[i]);
    }
    free(pools);
    result("StoragePoolLookupByName missing", virStoragePoolLookupByName(conn, "x") != NULL);

    /* Read-only connections refuse changes. */
    virConnectPtr ro = virConnectOpenReadOnly("test:///default");
    virDomainPtr rod = virDomainLookupByName(ro, "test");
    result("read-only Suspend", virDomainSuspend(rod));
    result("read-only conn error", virConnGetLastError(ro)->code);
    virDomainFree(rod);
    result("Close read-only", virConnectClose(ro));

    result("Free", virDomainFree(d));
    result("Close", virConnectClose(conn));
    /* libvirt tries its remote driver here, virt-rs has none: both fail. */
    conn = virConnectOpen("nosuch:///x");
    printf("Open bad URI: %s, error set: %s\n", conn ? "opened" : "failed",
           virGetLastError() ? "yes" : "no");
    return 0;
}
