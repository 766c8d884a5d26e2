/* The rest of the C API on test:///default: node calls, vCPUs, memory,
 * scheduler parameters, devices, save/restore, dumps, transient domains,
 * networks and pools by UUID, typed parameter helpers, open flags and the
 * default credential callback. Output compared with the same program
 * linked against libvirt. Written for virt-rs's tests. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "result.h"

static void show_string(const char *what, char *s, int print)
{
    result(what, s != NULL);
    if (s && print)
        printf("  %s\n", s);
    free(s);
}

static const char *TRANSIENT =
    "<domain type='test'><name>fleeting</name>"
    "<uuid>11111111-2222-3333-4444-555555555555</uuid>"
    "<memory unit='KiB'>131072</memory><currentMemory unit='KiB'>65536</currentMemory>"
    "<vcpu current='1'>4</vcpu>"
    "<os><type arch='x86_64'>hvm</type></os></domain>";

/* A test node that asks for credentials. */
static const char *AUTH_NODE =
    "<node><auth><user password='87539319'>srinivasa</user>"
    "<user>nopass</user></auth></node>";

/* Answers the name and password in `data` ("user\0password"); prints
 * what it was asked. */
static int answer(virConnectCredentialPtr cred, unsigned int ncred, void *data)
{
    const char *user = data, *pass = user + strlen(user) + 1;
    unsigned int i;
    for (i = 0; i < ncred; i++) {
        printf("  asked %d [%s] challenge [%s] default [%s]\n", cred[i].type,
               cred[i].prompt ? cred[i].prompt : "", cred[i].challenge ? cred[i].challenge : "",
               cred[i].defresult ? cred[i].defresult : "");
        const char *a = cred[i].type == VIR_CRED_AUTHNAME ? user : pass;
        if (strcmp(a, "-") == 0)
            return -1;
        cred[i].result = strdup(a);
        cred[i].resultlen = strlen(a);
    }
    return 0;
}

static void open_with_auth(const char *uri, const char *creds, int *types, int ntypes)
{
    virConnectAuth auth = { types, ntypes, answer, (void *)creds };
    virConnectPtr c = virConnectOpenAuth(uri, &auth, 0);
    virErrorPtr e = virGetLastError();
    printf("OpenAuth %s/%s: %s", creds, creds + strlen(creds) + 1, c ? "opened" : "refused");
    if (!c && e)
        printf(", code %d domain %d: %s", e->code, e->domain, e->message ? e->message : "");
    printf("\n");
    if (c)
        virConnectClose(c);
}

static const char *DISK =
    "<disk type='file' device='disk'><source file='/tmp/more-disk.img'/>"
    "<target dev='vdb' bus='virtio'/></disk>";

int main(void)
{
    int i, n, rc;
    char *names[8];

    setvbuf(stdout, NULL, _IONBF, 0);
    virSetErrorFunc(NULL, quiet);

    virConnectPtr conn = virConnectOpenAuth("test:///default", virConnectAuthPtrDefault, 0);
    result("OpenAuth", conn != NULL);
    /* libvirt refuses unknown flags in each driver's open, under the
     * driver's name; virt-rs in the library: compare the code only. */
    virConnectPtr bad = virConnectOpenAuth("test:///default", NULL, 0x100);
    printf("OpenAuth bad flags: %s, code %d\n", bad ? "opened" : "refused", virGetLastErrorCode());

    /* Node. */
    char host[256];
    gethostname(host, sizeof host);
    char *h = virConnectGetHostname(conn);
    result("GetHostname is gethostname", h && strcmp(h, host) == 0);
    free(h);
    char *caps = virConnectGetCapabilities(conn);
    result("GetCapabilities", caps && strstr(caps, "<capabilities>") != NULL);
    free(caps);
    result("GetFreeMemory", (long long)virNodeGetFreeMemory(conn));
    unsigned long long cells[4] = {0};
    n = virNodeGetCellsFreeMemory(conn, cells, 0, 4);
    result("GetCellsFreeMemory", n);
    for (i = 0; i < n; i++)
        printf("  cell %d: %llu\n", i, cells[i]);
    result("GetCellsFreeMemory bad", virNodeGetCellsFreeMemory(conn, cells, 0, 0));
    virSecurityModel sm;
    result("GetSecurityModel", virNodeGetSecurityModel(conn, &sm));
    printf("  model=[%s] doi=[%s]\n", sm.model, sm.doi);
    unsigned char *map = NULL;
    unsigned int online = 0;
    n = virNodeGetCPUMap(conn, &map, &online, 0);
    result("GetCPUMap", n);
    printf("  online=%u first=%02x\n", online, map ? map[0] : 0);
    free(map);
    result("GetCPUMap count only", virNodeGetCPUMap(conn, NULL, NULL, 0));

    /* vCPUs, memory and scheduler of the running domain. */
    virDomainPtr d = virDomainLookupByName(conn, "test");
    unsigned char uuid[VIR_UUID_BUFLEN];
    virDomainGetUUID(d, uuid);
    virDomainPtr byuuid = virDomainLookupByUUID(conn, uuid);
    result("LookupByUUID", byuuid != NULL);
    printf("  %s\n", virDomainGetName(byuuid));
    virDomainFree(byuuid);

    result("GetVcpusFlags", virDomainGetVcpusFlags(d, 0));
    result("GetVcpusFlags max", virDomainGetVcpusFlags(d, VIR_DOMAIN_VCPU_MAXIMUM));
    result("GetVcpusFlags live+config", virDomainGetVcpusFlags(d, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG));
    virVcpuInfo vinfo[4];
    unsigned char maps[4 * 2];
    n = virDomainGetVcpus(d, vinfo, 4, maps, 2);
    result("GetVcpus", n);
    for (i = 0; i < n; i++)
        printf("  vcpu %u state=%d cpu=%d map=%02x%02x\n", vinfo[i].number,
               vinfo[i].state, vinfo[i].cpu, maps[i * 2], maps[i * 2 + 1]);
    result("GetVcpus bad maxinfo", virDomainGetVcpus(d, vinfo, 0, NULL, 0));
    unsigned char pin = 0x5;
    result("PinVcpu", virDomainPinVcpu(d, 0, &pin, 1));
    result("PinVcpuFlags", virDomainPinVcpuFlags(d, 1, &pin, 1, VIR_DOMAIN_AFFECT_LIVE));
    result("PinVcpu NULL map", virDomainPinVcpu(d, 0, NULL, 1));
    n = virDomainGetVcpuPinInfo(d, 4, maps, 2, 0);
    result("GetVcpuPinInfo", n);
    for (i = 0; i < n; i++)
        printf("  pin %d: %02x%02x\n", i, maps[i * 2], maps[i * 2 + 1]);
    result("SetVcpus", virDomainSetVcpus(d, 1));
    result("SetVcpusFlags", virDomainSetVcpusFlags(d, 2, VIR_DOMAIN_AFFECT_LIVE));
    result("SetVcpus 0", virDomainSetVcpus(d, 0));
    result("SetMaxMemory", virDomainSetMaxMemory(d, 8388608));
    result("SetMemoryFlags", virDomainSetMemoryFlags(d, 2097152, VIR_DOMAIN_AFFECT_LIVE));
    result("GetMaxMemory", (long long)virDomainGetMaxMemory(d));

    int nparams = 0;
    char *sched = virDomainGetSchedulerType(d, &nparams);
    show_string("GetSchedulerType", sched, 1);
    printf("  nparams=%d\n", nparams);
    virSchedParameter sp[4];
    nparams = 4;
    result("GetSchedulerParameters", virDomainGetSchedulerParameters(d, sp, &nparams));
    for (i = 0; i < nparams; i++)
        printf("  %s type=%d value=%llu\n", sp[i].field, sp[i].type, sp[i].value.ul);
    virTypedParameter tp[4];
    nparams = 4;
    rc = virDomainGetSchedulerParametersFlags(d, tp, &nparams, 0);
    result("GetSchedulerParametersFlags", rc);
    printf("  nparams=%d\n", nparams);
    if (rc == 0)
        virTypedParamsClear(tp, nparams);
    nparams = 0;
    result("GetSchedulerParameters 0", virDomainGetSchedulerParameters(d, sp, &nparams));
    virTypedParameter set;
    memset(&set, 0, sizeof set);
    strcpy(set.field, "weight");
    set.type = VIR_TYPED_PARAM_UINT;
    set.value.ui = 100;
    result("SetSchedulerParameters", virDomainSetSchedulerParameters(d, &set, 1));
    result("SetSchedulerParametersFlags", virDomainSetSchedulerParametersFlags(d, &set, 1, VIR_DOMAIN_AFFECT_LIVE));
    set.type = VIR_TYPED_PARAM_STRING;
    set.value.s = "heavy";
    result("SetSchedulerParameters wrong type", virDomainSetSchedulerParameters(d, &set, 1));
    nparams = 4;
    virDomainGetSchedulerParameters(d, sp, &nparams);
    for (i = 0; i < nparams; i++)
        printf("  %s value=%llu\n", sp[i].field, sp[i].value.ul);

    virSecurityLabel sl;
    result("GetSecurityLabel", virDomainGetSecurityLabel(d, &sl));
    printf("  label=[%s] enforcing=%d\n", sl.label, sl.enforcing);
    result("HasManagedSaveImage", virDomainHasManagedSaveImage(d, 0));

    /* Devices. */
    result("AttachDevice", virDomainAttachDevice(d, DISK));
    char *xml = virDomainGetXMLDesc(d, 0);
    result("attached disk in XML", xml && strstr(xml, "vdb") != NULL);
    free(xml);
    result("DetachDevice", virDomainDetachDevice(d, DISK));
    result("AttachDeviceFlags", virDomainAttachDeviceFlags(d, DISK, VIR_DOMAIN_AFFECT_CONFIG));
    result("DetachDeviceFlags", virDomainDetachDeviceFlags(d, DISK, VIR_DOMAIN_AFFECT_CONFIG));
    result("AttachDevice bad XML", virDomainAttachDevice(d, "<disk"));
    show_string("GetXMLDesc inactive", virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE), 0);

    /* Save and restore through a file, dumps. */
    char path[] = "/tmp/virt-capi-more-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    result("Save", virDomainSave(d, path));
    printf("  id after save %d\n", (int)virDomainGetID(d));
    result("Restore", virDomainRestore(conn, path));
    result("SaveFlags running", virDomainSaveFlags(d, path, NULL, VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED));
    virDomainFree(d);
    d = virDomainLookupByName(conn, "test");
    result("SaveFlags", virDomainSaveFlags(d, path, NULL, VIR_DOMAIN_SAVE_PAUSED));
    result("RestoreFlags", virDomainRestoreFlags(conn, path, NULL, VIR_DOMAIN_SAVE_PAUSED));
    virDomainFree(d);
    d = virDomainLookupByName(conn, "test");
    int state, reason;
    virDomainGetState(d, &state, &reason, 0);
    printf("  state=%d reason=%d\n", state, reason);
    result("Resume", virDomainResume(d));
    result("Restore missing", virDomainRestore(conn, "/nonexistent/save"));
    result("CoreDump", virDomainCoreDump(d, path, 0));
    result("CoreDumpWithFormat", virDomainCoreDumpWithFormat(d, path, VIR_DOMAIN_CORE_DUMP_FORMAT_RAW, 0));
    result("CoreDumpWithFormat bad", virDomainCoreDumpWithFormat(d, path, 99, 0));
    result("CoreDump NULL", virDomainCoreDump(d, NULL, 0));
    unlink(path);

    /* Shutdown, reboot, flags variants. */
    result("Reboot", virDomainReboot(d, 0));
    result("ShutdownFlags", virDomainShutdownFlags(d, 0));
    result("Create", virDomainCreate(d));
    result("Shutdown", virDomainShutdown(d));
    result("Shutdown again", virDomainShutdown(d));
    result("Create", virDomainCreate(d));
    result("DestroyFlags", virDomainDestroyFlags(d, 0));
    result("Create again", virDomainCreateWithFlags(d, 0));

    /* Transient domains. */
    virDomainPtr t = virDomainCreateXML(conn, TRANSIENT, 0);
    result("CreateXML", t != NULL);
    printf("  persistent=%d active=%d maxvcpus=%d\n", virDomainIsPersistent(t),
           virDomainIsActive(t), virDomainGetMaxVcpus(t));
    result("CreateXML duplicate", virDomainCreateLinux(conn, TRANSIENT, 0) != NULL);
    result("Destroy transient", virDomainDestroy(t));
    result("Transient gone", virDomainLookupByName(conn, "fleeting") != NULL);
    virDomainFree(t);
    t = virDomainDefineXMLFlags(conn, TRANSIENT, 0);
    result("DefineXMLFlags", t != NULL);
    result("UndefineFlags", virDomainUndefineFlags(t, 0));
    virDomainFree(t);

    /* Networks and pools by name and UUID. */
    virNetworkPtr net = virNetworkLookupByName(conn, "default");
    result("NetworkLookupByName", net != NULL);
    unsigned char nuuid[VIR_UUID_BUFLEN];
    result("NetworkGetUUID", virNetworkGetUUID(net, nuuid));
    virNetworkPtr net2 = virNetworkLookupByUUID(conn, nuuid);
    result("NetworkLookupByUUID", net2 != NULL);
    printf("  %s same connection %d\n", virNetworkGetName(net2), virNetworkGetConnect(net2) == conn);
    show_string("NetworkGetXMLDesc", virNetworkGetXMLDesc(net, 0), 0);
    virNetworkFree(net2);
    virNetworkFree(net);
    result("NetworkLookupByUUIDString bad", virNetworkLookupByUUIDString(conn, "nope") != NULL);
    n = virConnectListDefinedNetworks(conn, names, 8);
    result("ListDefinedNetworks", n);
    for (i = 0; i < n; i++)
        free(names[i]);

    n = virConnectListStoragePools(conn, names, 8);
    result("ListStoragePools", n);
    for (i = 0; i < n; i++) {
        printf("  %s\n", names[i]);
        free(names[i]);
    }
    n = virConnectListDefinedStoragePools(conn, names, 8);
    result("ListDefinedStoragePools", n);
    for (i = 0; i < n; i++)
        free(names[i]);
    virStoragePoolPtr pool = virStoragePoolLookupByName(conn, "default-pool");
    char puuid[VIR_UUID_STRING_BUFLEN];
    unsigned char praw[VIR_UUID_BUFLEN];
    result("PoolGetUUIDString", virStoragePoolGetUUIDString(pool, puuid));
    printf("  %s\n", puuid);
    result("PoolGetUUID", virStoragePoolGetUUID(pool, praw));
    result("PoolGetConnect", virStoragePoolGetConnect(pool) == conn);
    show_string("PoolGetXMLDesc", virStoragePoolGetXMLDesc(pool, 0), 0);
    virStoragePoolFree(pool);

    /* Typed parameter helpers free what the library allocated. */
    virTypedParameterPtr heap = calloc(2, sizeof *heap);
    heap[0].type = VIR_TYPED_PARAM_STRING;
    heap[0].value.s = strdup("x");
    heap[1].type = VIR_TYPED_PARAM_INT;
    virTypedParamsFree(heap, 2);
    virTypedParamsFree(NULL, 0);

    /* The default credential callback reads answers from stdin. */
    virConnectCredential cred[2];
    memset(cred, 0, sizeof cred);
    cred[0].type = VIR_CRED_AUTHNAME;
    cred[0].prompt = "Name";
    cred[1].type = VIR_CRED_ECHOPROMPT;
    cred[1].prompt = "Say";
    cred[1].defresult = "fallback";
    printf("credential types %u\n", virConnectAuthPtrDefault->ncredtype);
    rc = virConnectAuthPtrDefault->cb(cred, 2, virConnectAuthPtrDefault->cbdata);
    printf("\ncallback = %d: [%s] %u [%s] %u\n", rc, cred[0].result ? cred[0].result : "",
           cred[0].resultlen, cred[1].result ? cred[1].result : "", cred[1].resultlen);
    free(cred[0].result);
    free(cred[1].result);

    /* A node file with <auth>: the caller's callback is asked. */
    char node_path[64], uri[96];
    snprintf(node_path, sizeof node_path, "/tmp/more-auth-%d.xml", (int)getpid());
    FILE *f = fopen(node_path, "w");
    if (f) {
        fputs(AUTH_NODE, f);
        fclose(f);
    }
    snprintf(uri, sizeof uri, "test://%s", node_path);
    int both[] = { VIR_CRED_AUTHNAME, VIR_CRED_PASSPHRASE };
    int name_only[] = { VIR_CRED_AUTHNAME };
    open_with_auth(uri, "srinivasa\0" "87539319", both, 2);
    open_with_auth(uri, "srinivasa\0" "wrong", both, 2);
    open_with_auth(uri, "nopass\0" "", both, 2);
    open_with_auth(uri, "-\0" "", both, 2);
    open_with_auth(uri, "srinivasa\0" "87539319", name_only, 1);
    virConnectPtr plain = virConnectOpen(uri);
    virErrorPtr pe = virGetLastError();
    printf("Open without auth: %s, code %d domain %d\n", plain ? "opened" : "refused",
           pe ? pe->code : 0, pe ? pe->domain : 0);
    unlink(node_path);

    virDomainFree(d);
    result("Close", virConnectClose(conn));
    return 0;
}
