/*
 * libvirt.h: libvirt's C API, as served by virt-rs (libvirt-rs.so.0).
 *
 * Written for virt-rs from the API's names, numbers and record layouts;
 * programs written for libvirt 9.0 compile against it unchanged for the
 * calls it declares. Link with `pkg-config --cflags --libs virt-rs`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef VIRT_RS_LIBVIRT_H
#define VIRT_RS_LIBVIRT_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Versions ---------------------------------------------------------- */

/* major * 1,000,000 + minor * 1,000 + micro of the libvirt API followed. */
#define LIBVIR_VERSION_NUMBER 9000000

/* True when the API followed is at least major.minor.micro. */
#define LIBVIR_CHECK_VERSION(major, minor, micro) \
    ((major) * 1000000 + (minor) * 1000 + (micro) <= LIBVIR_VERSION_NUMBER)

/* ---- Handles (opaque) -------------------------------------------------- */

typedef struct _virConnect virConnect;
typedef virConnect *virConnectPtr;
typedef struct _virDomain virDomain;
typedef virDomain *virDomainPtr;
typedef struct _virNetwork virNetwork;
typedef virNetwork *virNetworkPtr;
typedef struct _virStoragePool virStoragePool;
typedef virStoragePool *virStoragePoolPtr;
typedef struct _virStorageVol virStorageVol;
typedef virStorageVol *virStorageVolPtr;
typedef struct _virStream virStream;
typedef virStream *virStreamPtr;
typedef struct _virDomainSnapshot virDomainSnapshot;
typedef virDomainSnapshot *virDomainSnapshotPtr;

/* ---- Typed parameters -------------------------------------------------- */

#define VIR_TYPED_PARAM_FIELD_LENGTH 80

typedef enum {
    VIR_TYPED_PARAM_INT     = 1,
    VIR_TYPED_PARAM_UINT    = 2,
    VIR_TYPED_PARAM_LLONG   = 3,
    VIR_TYPED_PARAM_ULLONG  = 4,
    VIR_TYPED_PARAM_DOUBLE  = 5,
    VIR_TYPED_PARAM_BOOLEAN = 6,
    VIR_TYPED_PARAM_STRING  = 7,
} virTypedParameterType;

typedef enum {
    VIR_TYPED_PARAM_STRING_OKAY = (1 << 2),
} virTypedParameterFlags;

typedef struct _virTypedParameter virTypedParameter;
struct _virTypedParameter {
    char field[VIR_TYPED_PARAM_FIELD_LENGTH];
    int type;                       /* virTypedParameterType */
    union {
        int i;
        unsigned int ui;
        long long int l;
        unsigned long long int ul;
        double d;
        char b;
        char *s;
    } value;
};
typedef virTypedParameter *virTypedParameterPtr;

void virTypedParamsClear(virTypedParameterPtr params, int nparams);
void virTypedParamsFree(virTypedParameterPtr params, int nparams);

/* ---- Library and connections ------------------------------------------- */

#define VIR_UUID_BUFLEN (16)
#define VIR_UUID_STRING_BUFLEN (36 + 1)
#define VIR_SECURITY_LABEL_BUFLEN (4096 + 1)
#define VIR_SECURITY_MODEL_BUFLEN (256 + 1)
#define VIR_SECURITY_DOI_BUFLEN (256 + 1)

typedef enum {
    VIR_CONNECT_RO         = 1,
    VIR_CONNECT_NO_ALIASES = (1 << 1),
} virConnectFlags;

typedef enum {
    VIR_CRED_USERNAME     = 1,
    VIR_CRED_AUTHNAME     = 2,
    VIR_CRED_LANGUAGE     = 3,
    VIR_CRED_CNONCE       = 4,
    VIR_CRED_PASSPHRASE   = 5,
    VIR_CRED_ECHOPROMPT   = 6,
    VIR_CRED_NOECHOPROMPT = 7,
    VIR_CRED_REALM        = 8,
    VIR_CRED_EXTERNAL     = 9,
} virConnectCredentialType;

typedef struct _virConnectCredential virConnectCredential;
struct _virConnectCredential {
    int type;                /* virConnectCredentialType */
    const char *prompt;
    const char *challenge;
    const char *defresult;
    char *result;            /* malloc'd by the callback */
    unsigned int resultlen;
};
typedef virConnectCredential *virConnectCredentialPtr;

typedef int (*virConnectAuthCallbackPtr)(virConnectCredentialPtr cred,
                                         unsigned int ncred,
                                         void *cbdata);

typedef struct _virConnectAuth virConnectAuth;
struct _virConnectAuth {
    int *credtype;           /* virConnectCredentialType values handled */
    unsigned int ncredtype;
    virConnectAuthCallbackPtr cb;
    void *cbdata;
};
typedef virConnectAuth *virConnectAuthPtr;

/* Prompts on stdout, reads answers from stdin. */
extern virConnectAuthPtr virConnectAuthPtrDefault;

typedef struct _virNodeInfo virNodeInfo;
struct _virNodeInfo {
    char model[32];
    unsigned long memory;    /* KiB */
    unsigned int cpus;
    unsigned int mhz;
    unsigned int nodes;
    unsigned int sockets;
    unsigned int cores;
    unsigned int threads;
};
typedef virNodeInfo *virNodeInfoPtr;

/* How many CPUs the topology of a virNodeInfo can hold. */
#define VIR_NODEINFO_MAXCPUS(nodeinfo) \
    ((nodeinfo).nodes * (nodeinfo).sockets * (nodeinfo).cores * (nodeinfo).threads)

typedef struct _virSecurityLabel virSecurityLabel;
struct _virSecurityLabel {
    char label[VIR_SECURITY_LABEL_BUFLEN];
    int enforcing;
};
typedef virSecurityLabel *virSecurityLabelPtr;

typedef struct _virSecurityModel virSecurityModel;
struct _virSecurityModel {
    char model[VIR_SECURITY_MODEL_BUFLEN];
    char doi[VIR_SECURITY_DOI_BUFLEN];
};
typedef virSecurityModel *virSecurityModelPtr;

int virInitialize(void);
int virGetVersion(unsigned long *libVer, const char *type,
                  unsigned long *typeVer);
virConnectPtr virConnectOpen(const char *name);
virConnectPtr virConnectOpenReadOnly(const char *name);
virConnectPtr virConnectOpenAuth(const char *name, virConnectAuthPtr auth,
                                 unsigned int flags);
int virConnectRef(virConnectPtr conn);
int virConnectClose(virConnectPtr conn);
const char *virConnectGetType(virConnectPtr conn);
int virConnectGetVersion(virConnectPtr conn, unsigned long *hvVer);
int virConnectGetLibVersion(virConnectPtr conn, unsigned long *libVer);
char *virConnectGetHostname(virConnectPtr conn);
char *virConnectGetURI(virConnectPtr conn);
char *virConnectGetCapabilities(virConnectPtr conn);
int virConnectGetMaxVcpus(virConnectPtr conn, const char *type);
int virConnectIsAlive(virConnectPtr conn);

int virNodeGetInfo(virConnectPtr conn, virNodeInfoPtr info);
unsigned long long virNodeGetFreeMemory(virConnectPtr conn);
int virNodeGetCellsFreeMemory(virConnectPtr conn,
                              unsigned long long *freeMems,
                              int startCell, int maxCells);
int virNodeGetSecurityModel(virConnectPtr conn, virSecurityModelPtr secmodel);
int virNodeGetCPUMap(virConnectPtr conn, unsigned char **cpumap,
                     unsigned int *online, unsigned int flags);

/* ---- Domains ----------------------------------------------------------- */

typedef enum {
    VIR_DOMAIN_NOSTATE     = 0,
    VIR_DOMAIN_RUNNING     = 1,
    VIR_DOMAIN_BLOCKED     = 2,
    VIR_DOMAIN_PAUSED      = 3,
    VIR_DOMAIN_SHUTDOWN    = 4,
    VIR_DOMAIN_SHUTOFF     = 5,
    VIR_DOMAIN_CRASHED     = 6,
    VIR_DOMAIN_PMSUSPENDED = 7,
} virDomainState;

typedef enum {
    VIR_DOMAIN_NOSTATE_UNKNOWN = 0,
} virDomainNostateReason;

typedef enum {
    VIR_DOMAIN_RUNNING_UNKNOWN            = 0,
    VIR_DOMAIN_RUNNING_BOOTED             = 1,
    VIR_DOMAIN_RUNNING_MIGRATED           = 2,
    VIR_DOMAIN_RUNNING_RESTORED           = 3,
    VIR_DOMAIN_RUNNING_FROM_SNAPSHOT      = 4,
    VIR_DOMAIN_RUNNING_UNPAUSED           = 5,
    VIR_DOMAIN_RUNNING_MIGRATION_CANCELED = 6,
    VIR_DOMAIN_RUNNING_SAVE_CANCELED      = 7,
    VIR_DOMAIN_RUNNING_WAKEUP             = 8,
    VIR_DOMAIN_RUNNING_CRASHED            = 9,
    VIR_DOMAIN_RUNNING_POSTCOPY           = 10,
    VIR_DOMAIN_RUNNING_POSTCOPY_FAILED    = 11,
} virDomainRunningReason;

typedef enum {
    VIR_DOMAIN_BLOCKED_UNKNOWN = 0,
} virDomainBlockedReason;

typedef enum {
    VIR_DOMAIN_PAUSED_UNKNOWN         = 0,
    VIR_DOMAIN_PAUSED_USER            = 1,
    VIR_DOMAIN_PAUSED_MIGRATION       = 2,
    VIR_DOMAIN_PAUSED_SAVE            = 3,
    VIR_DOMAIN_PAUSED_DUMP            = 4,
    VIR_DOMAIN_PAUSED_IOERROR         = 5,
    VIR_DOMAIN_PAUSED_WATCHDOG        = 6,
    VIR_DOMAIN_PAUSED_FROM_SNAPSHOT   = 7,
    VIR_DOMAIN_PAUSED_SHUTTING_DOWN   = 8,
    VIR_DOMAIN_PAUSED_SNAPSHOT        = 9,
    VIR_DOMAIN_PAUSED_CRASHED         = 10,
    VIR_DOMAIN_PAUSED_STARTING_UP     = 11,
    VIR_DOMAIN_PAUSED_POSTCOPY        = 12,
    VIR_DOMAIN_PAUSED_POSTCOPY_FAILED = 13,
} virDomainPausedReason;

typedef enum {
    VIR_DOMAIN_SHUTDOWN_UNKNOWN = 0,
    VIR_DOMAIN_SHUTDOWN_USER    = 1,
} virDomainShutdownReason;

typedef enum {
    VIR_DOMAIN_SHUTOFF_UNKNOWN       = 0,
    VIR_DOMAIN_SHUTOFF_SHUTDOWN      = 1,
    VIR_DOMAIN_SHUTOFF_DESTROYED     = 2,
    VIR_DOMAIN_SHUTOFF_CRASHED       = 3,
    VIR_DOMAIN_SHUTOFF_MIGRATED      = 4,
    VIR_DOMAIN_SHUTOFF_SAVED         = 5,
    VIR_DOMAIN_SHUTOFF_FAILED        = 6,
    VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT = 7,
    VIR_DOMAIN_SHUTOFF_DAEMON        = 8,
} virDomainShutoffReason;

typedef enum {
    VIR_DOMAIN_CRASHED_UNKNOWN  = 0,
    VIR_DOMAIN_CRASHED_PANICKED = 1,
} virDomainCrashedReason;

typedef enum {
    VIR_DOMAIN_PMSUSPENDED_UNKNOWN = 0,
} virDomainPMSuspendedReason;

typedef struct _virDomainInfo virDomainInfo;
struct _virDomainInfo {
    unsigned char state;        /* virDomainState */
    unsigned long maxMem;       /* KiB */
    unsigned long memory;       /* KiB */
    unsigned short nrVirtCpu;
    unsigned long long cpuTime; /* ns */
};
typedef virDomainInfo *virDomainInfoPtr;

typedef enum {
    VIR_DOMAIN_NONE               = 0,
    VIR_DOMAIN_START_PAUSED       = 1,
    VIR_DOMAIN_START_AUTODESTROY  = (1 << 1),
    VIR_DOMAIN_START_BYPASS_CACHE = (1 << 2),
    VIR_DOMAIN_START_FORCE_BOOT   = (1 << 3),
    VIR_DOMAIN_START_VALIDATE     = (1 << 4),
    VIR_DOMAIN_START_RESET_NVRAM  = (1 << 5),
} virDomainCreateFlags;

typedef enum {
    VIR_CONNECT_LIST_DOMAINS_ACTIVE         = 1,
    VIR_CONNECT_LIST_DOMAINS_INACTIVE       = (1 << 1),
    VIR_CONNECT_LIST_DOMAINS_PERSISTENT     = (1 << 2),
    VIR_CONNECT_LIST_DOMAINS_TRANSIENT      = (1 << 3),
    VIR_CONNECT_LIST_DOMAINS_RUNNING        = (1 << 4),
    VIR_CONNECT_LIST_DOMAINS_PAUSED         = (1 << 5),
    VIR_CONNECT_LIST_DOMAINS_SHUTOFF        = (1 << 6),
    VIR_CONNECT_LIST_DOMAINS_OTHER          = (1 << 7),
    VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE    = (1 << 8),
    VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE = (1 << 9),
    VIR_CONNECT_LIST_DOMAINS_AUTOSTART      = (1 << 10),
    VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART   = (1 << 11),
    VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT   = (1 << 12),
    VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT    = (1 << 13),
    VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT = (1 << 14),
    VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT  = (1 << 15),
} virConnectListAllDomainsFlags;

typedef enum {
    VIR_DOMAIN_XML_SECURE     = 1,
    VIR_DOMAIN_XML_INACTIVE   = (1 << 1),
    VIR_DOMAIN_XML_UPDATE_CPU = (1 << 2),
    VIR_DOMAIN_XML_MIGRATABLE = (1 << 3),
} virDomainXMLFlags;

typedef enum {
    VIR_DOMAIN_AFFECT_CURRENT = 0,
    VIR_DOMAIN_AFFECT_LIVE    = 1,
    VIR_DOMAIN_AFFECT_CONFIG  = 2,
} virDomainModificationImpact;

typedef enum {
    VIR_DOMAIN_VCPU_CURRENT      = 0,
    VIR_DOMAIN_VCPU_LIVE         = 1,
    VIR_DOMAIN_VCPU_CONFIG       = (1 << 1),
    VIR_DOMAIN_VCPU_MAXIMUM      = (1 << 2),
    VIR_DOMAIN_VCPU_GUEST        = (1 << 3),
    VIR_DOMAIN_VCPU_HOTPLUGGABLE = (1 << 4),
} virDomainVcpuFlags;

typedef enum {
    VIR_DOMAIN_MEM_CURRENT = 0,
    VIR_DOMAIN_MEM_LIVE    = 1,
    VIR_DOMAIN_MEM_CONFIG  = (1 << 1),
    VIR_DOMAIN_MEM_MAXIMUM = (1 << 2),
} virDomainMemoryModFlags;

typedef enum {
    VIR_DOMAIN_SAVE_BYPASS_CACHE = 1,
    VIR_DOMAIN_SAVE_RUNNING      = (1 << 1),
    VIR_DOMAIN_SAVE_PAUSED       = (1 << 2),
    VIR_DOMAIN_SAVE_RESET_NVRAM  = (1 << 3),
} virDomainSaveRestoreFlags;

typedef enum {
    VIR_DUMP_CRASH        = 1,
    VIR_DUMP_LIVE         = (1 << 1),
    VIR_DUMP_BYPASS_CACHE = (1 << 2),
    VIR_DUMP_RESET        = (1 << 3),
    VIR_DUMP_MEMORY_ONLY  = (1 << 4),
} virDomainCoreDumpFlags;

typedef enum {
    VIR_DOMAIN_CORE_DUMP_FORMAT_RAW          = 0,
    VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_ZLIB   = 1,
    VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_LZO    = 2,
    VIR_DOMAIN_CORE_DUMP_FORMAT_KDUMP_SNAPPY = 3,
    VIR_DOMAIN_CORE_DUMP_FORMAT_WIN_DMP      = 4,
} virDomainCoreDumpFormat;

typedef enum {
    VIR_DOMAIN_SHUTDOWN_DEFAULT        = 0,
    VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN = 1,
    VIR_DOMAIN_SHUTDOWN_GUEST_AGENT    = (1 << 1),
    VIR_DOMAIN_SHUTDOWN_INITCTL        = (1 << 2),
    VIR_DOMAIN_SHUTDOWN_SIGNAL         = (1 << 3),
    VIR_DOMAIN_SHUTDOWN_PARAVIRT       = (1 << 4),
} virDomainShutdownFlagValues;

typedef enum {
    VIR_DOMAIN_REBOOT_DEFAULT        = 0,
    VIR_DOMAIN_REBOOT_ACPI_POWER_BTN = 1,
    VIR_DOMAIN_REBOOT_GUEST_AGENT    = (1 << 1),
    VIR_DOMAIN_REBOOT_INITCTL        = (1 << 2),
    VIR_DOMAIN_REBOOT_SIGNAL         = (1 << 3),
    VIR_DOMAIN_REBOOT_PARAVIRT       = (1 << 4),
} virDomainRebootFlagValues;

typedef enum {
    VIR_DOMAIN_DESTROY_DEFAULT     = 0,
    VIR_DOMAIN_DESTROY_GRACEFUL    = 1,
    VIR_DOMAIN_DESTROY_REMOVE_LOGS = (1 << 1),
} virDomainDestroyFlagsValues;

typedef enum {
    VIR_DOMAIN_UNDEFINE_MANAGED_SAVE         = 1,
    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA   = (1 << 1),
    VIR_DOMAIN_UNDEFINE_NVRAM                = (1 << 2),
    VIR_DOMAIN_UNDEFINE_KEEP_NVRAM           = (1 << 3),
    VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA = (1 << 4),
    VIR_DOMAIN_UNDEFINE_TPM                  = (1 << 5),
    VIR_DOMAIN_UNDEFINE_KEEP_TPM             = (1 << 6),
} virDomainUndefineFlagsValues;

typedef enum {
    VIR_DOMAIN_DEFINE_VALIDATE = 1,
} virDomainDefineFlags;

typedef enum {
    VIR_DOMAIN_DEVICE_MODIFY_CURRENT = 0,
    VIR_DOMAIN_DEVICE_MODIFY_LIVE    = 1,
    VIR_DOMAIN_DEVICE_MODIFY_CONFIG  = (1 << 1),
    VIR_DOMAIN_DEVICE_MODIFY_FORCE   = (1 << 2),
} virDomainDeviceModifyFlags;

typedef enum {
    VIR_VCPU_OFFLINE = 0,
    VIR_VCPU_RUNNING = 1,
    VIR_VCPU_BLOCKED = 2,
} virVcpuState;

typedef enum {
    VIR_VCPU_INFO_CPU_OFFLINE     = -1,
    VIR_VCPU_INFO_CPU_UNAVAILABLE = -2,
} virVcpuHostCpuState;

typedef struct _virVcpuInfo virVcpuInfo;
struct _virVcpuInfo {
    unsigned int number;
    int state;                  /* virVcpuState */
    unsigned long long cpuTime; /* ns */
    int cpu;                    /* host CPU, or virVcpuHostCpuState */
};
typedef virVcpuInfo *virVcpuInfoPtr;

/* CPU maps: bit (cpu % 8) of byte (cpu / 8). */
#define VIR_USE_CPU(cpumap, cpu) ((cpumap)[(cpu) / 8] |= (1 << ((cpu) % 8)))
#define VIR_UNUSE_CPU(cpumap, cpu) ((cpumap)[(cpu) / 8] &= ~(1 << ((cpu) % 8)))
#define VIR_CPU_USED(cpumap, cpu) ((cpumap)[(cpu) / 8] & (1 << ((cpu) % 8)))
#define VIR_CPU_MAPLEN(cpu) (((cpu) + 7) / 8)
/* In an array of maps, maplen bytes per vCPU: */
#define VIR_CPU_USABLE(cpumaps, maplen, vcpu, cpu) \
    VIR_CPU_USED(VIR_GET_CPUMAP(cpumaps, maplen, vcpu), cpu)
#define VIR_COPY_CPUMAP(cpumaps, maplen, vcpu, cpumap) \
    memcpy(cpumap, VIR_GET_CPUMAP(cpumaps, maplen, vcpu), maplen)
#define VIR_GET_CPUMAP(cpumaps, maplen, vcpu) (&((cpumaps)[(vcpu) * (maplen)]))

/* Scheduler parameters are typed parameters under their older names. */
#define VIR_DOMAIN_SCHED_FIELD_LENGTH VIR_TYPED_PARAM_FIELD_LENGTH

typedef enum {
    VIR_DOMAIN_SCHED_FIELD_INT     = 1,
    VIR_DOMAIN_SCHED_FIELD_UINT    = 2,
    VIR_DOMAIN_SCHED_FIELD_LLONG   = 3,
    VIR_DOMAIN_SCHED_FIELD_ULLONG  = 4,
    VIR_DOMAIN_SCHED_FIELD_DOUBLE  = 5,
    VIR_DOMAIN_SCHED_FIELD_BOOLEAN = 6,
} virSchedParameterType;

typedef struct _virTypedParameter virSchedParameter;
typedef virSchedParameter *virSchedParameterPtr;

int virConnectNumOfDomains(virConnectPtr conn);
int virConnectListDomains(virConnectPtr conn, int *ids, int maxids);
int virConnectNumOfDefinedDomains(virConnectPtr conn);
int virConnectListDefinedDomains(virConnectPtr conn, char **const names,
                                 int maxnames);
int virConnectListAllDomains(virConnectPtr conn, virDomainPtr **domains,
                             unsigned int flags);

virDomainPtr virDomainCreateXML(virConnectPtr conn, const char *xmlDesc,
                                unsigned int flags);
virDomainPtr virDomainCreateLinux(virConnectPtr conn, const char *xmlDesc,
                                  unsigned int flags);
virDomainPtr virDomainDefineXML(virConnectPtr conn, const char *xml);
virDomainPtr virDomainDefineXMLFlags(virConnectPtr conn, const char *xml,
                                     unsigned int flags);
virDomainPtr virDomainLookupByName(virConnectPtr conn, const char *name);
virDomainPtr virDomainLookupByID(virConnectPtr conn, int id);
virDomainPtr virDomainLookupByUUID(virConnectPtr conn,
                                   const unsigned char *uuid);
virDomainPtr virDomainLookupByUUIDString(virConnectPtr conn,
                                         const char *uuid);
int virDomainRestore(virConnectPtr conn, const char *from);
int virDomainRestoreFlags(virConnectPtr conn, const char *from,
                          const char *dxml, unsigned int flags);

int virDomainRef(virDomainPtr domain);
int virDomainFree(virDomainPtr domain);
virConnectPtr virDomainGetConnect(virDomainPtr domain);
const char *virDomainGetName(virDomainPtr domain);
unsigned int virDomainGetID(virDomainPtr domain);
int virDomainGetUUID(virDomainPtr domain, unsigned char *uuid);
int virDomainGetUUIDString(virDomainPtr domain, char *buf);
int virDomainGetInfo(virDomainPtr domain, virDomainInfoPtr info);
int virDomainGetState(virDomainPtr domain, int *state, int *reason,
                      unsigned int flags);
char *virDomainGetOSType(virDomainPtr domain);
char *virDomainGetXMLDesc(virDomainPtr domain, unsigned int flags);
unsigned long virDomainGetMaxMemory(virDomainPtr domain);
int virDomainSetMaxMemory(virDomainPtr domain, unsigned long memory);
int virDomainSetMemory(virDomainPtr domain, unsigned long memory);
int virDomainSetMemoryFlags(virDomainPtr domain, unsigned long memory,
                            unsigned int flags);
int virDomainIsActive(virDomainPtr dom);
int virDomainIsPersistent(virDomainPtr dom);
int virDomainHasManagedSaveImage(virDomainPtr dom, unsigned int flags);
int virDomainGetAutostart(virDomainPtr domain, int *autostart);
int virDomainSetAutostart(virDomainPtr domain, int autostart);

int virDomainCreate(virDomainPtr domain);
int virDomainCreateWithFlags(virDomainPtr domain, unsigned int flags);
int virDomainSuspend(virDomainPtr domain);
int virDomainResume(virDomainPtr domain);
int virDomainShutdown(virDomainPtr domain);
int virDomainShutdownFlags(virDomainPtr domain, unsigned int flags);
int virDomainReboot(virDomainPtr domain, unsigned int flags);
int virDomainDestroy(virDomainPtr domain);
int virDomainDestroyFlags(virDomainPtr domain, unsigned int flags);
int virDomainUndefine(virDomainPtr domain);
int virDomainUndefineFlags(virDomainPtr domain, unsigned int flags);
int virDomainSave(virDomainPtr domain, const char *to);
int virDomainSaveFlags(virDomainPtr domain, const char *to,
                       const char *dxml, unsigned int flags);
int virDomainCoreDump(virDomainPtr domain, const char *to,
                      unsigned int flags);
int virDomainCoreDumpWithFormat(virDomainPtr domain, const char *to,
                                unsigned int dumpformat, unsigned int flags);

int virDomainSetVcpus(virDomainPtr domain, unsigned int nvcpus);
int virDomainSetVcpusFlags(virDomainPtr domain, unsigned int nvcpus,
                           unsigned int flags);
int virDomainGetVcpusFlags(virDomainPtr domain, unsigned int flags);
int virDomainGetMaxVcpus(virDomainPtr domain);
int virDomainGetVcpus(virDomainPtr domain, virVcpuInfoPtr info, int maxinfo,
                      unsigned char *cpumaps, int maplen);
int virDomainGetVcpuPinInfo(virDomainPtr domain, int ncpumaps,
                            unsigned char *cpumaps, int maplen,
                            unsigned int flags);
int virDomainPinVcpu(virDomainPtr domain, unsigned int vcpu,
                     unsigned char *cpumap, int maplen);
int virDomainPinVcpuFlags(virDomainPtr domain, unsigned int vcpu,
                          unsigned char *cpumap, int maplen,
                          unsigned int flags);

char *virDomainGetSchedulerType(virDomainPtr domain, int *nparams);
int virDomainGetSchedulerParameters(virDomainPtr domain,
                                    virSchedParameterPtr params,
                                    int *nparams);
int virDomainGetSchedulerParametersFlags(virDomainPtr domain,
                                         virTypedParameterPtr params,
                                         int *nparams, unsigned int flags);
int virDomainSetSchedulerParameters(virDomainPtr domain,
                                    virSchedParameterPtr params,
                                    int nparams);
int virDomainSetSchedulerParametersFlags(virDomainPtr domain,
                                         virTypedParameterPtr params,
                                         int nparams, unsigned int flags);

int virDomainGetSecurityLabel(virDomainPtr domain,
                              virSecurityLabelPtr seclabel);
int virDomainAttachDevice(virDomainPtr domain, const char *xml);
int virDomainAttachDeviceFlags(virDomainPtr domain, const char *xml,
                               unsigned int flags);
int virDomainDetachDevice(virDomainPtr domain, const char *xml);
int virDomainDetachDeviceFlags(virDomainPtr domain, const char *xml,
                               unsigned int flags);

/* ---- Networks ---------------------------------------------------------- */

typedef enum {
    VIR_CONNECT_LIST_NETWORKS_INACTIVE     = 1,
    VIR_CONNECT_LIST_NETWORKS_ACTIVE       = (1 << 1),
    VIR_CONNECT_LIST_NETWORKS_PERSISTENT   = (1 << 2),
    VIR_CONNECT_LIST_NETWORKS_TRANSIENT    = (1 << 3),
    VIR_CONNECT_LIST_NETWORKS_AUTOSTART    = (1 << 4),
    VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART = (1 << 5),
} virConnectListAllNetworksFlags;

typedef enum {
    VIR_NETWORK_XML_INACTIVE = 1,
} virNetworkXMLFlags;

int virConnectNumOfNetworks(virConnectPtr conn);
int virConnectListNetworks(virConnectPtr conn, char **const names,
                           int maxnames);
int virConnectNumOfDefinedNetworks(virConnectPtr conn);
int virConnectListDefinedNetworks(virConnectPtr conn, char **const names,
                                  int maxnames);
int virConnectListAllNetworks(virConnectPtr conn, virNetworkPtr **nets,
                              unsigned int flags);
virNetworkPtr virNetworkCreateXML(virConnectPtr conn, const char *xmlDesc);
virNetworkPtr virNetworkDefineXML(virConnectPtr conn, const char *xmlDesc);
int virNetworkUndefine(virNetworkPtr network);
int virNetworkCreate(virNetworkPtr network);
int virNetworkDestroy(virNetworkPtr network);
int virNetworkSetAutostart(virNetworkPtr network, int autostart);
virNetworkPtr virNetworkLookupByName(virConnectPtr conn, const char *name);
virNetworkPtr virNetworkLookupByUUID(virConnectPtr conn,
                                     const unsigned char *uuid);
virNetworkPtr virNetworkLookupByUUIDString(virConnectPtr conn,
                                           const char *uuid);
int virNetworkRef(virNetworkPtr network);
int virNetworkFree(virNetworkPtr network);
virConnectPtr virNetworkGetConnect(virNetworkPtr network);
const char *virNetworkGetName(virNetworkPtr network);
int virNetworkGetUUID(virNetworkPtr network, unsigned char *uuid);
int virNetworkGetUUIDString(virNetworkPtr network, char *buf);
char *virNetworkGetXMLDesc(virNetworkPtr network, unsigned int flags);
char *virNetworkGetBridgeName(virNetworkPtr network);
int virNetworkIsActive(virNetworkPtr net);
int virNetworkIsPersistent(virNetworkPtr net);
int virNetworkGetAutostart(virNetworkPtr network, int *autostart);

/* ---- Storage pools ----------------------------------------------------- */

typedef enum {
    VIR_STORAGE_POOL_INACTIVE     = 0,
    VIR_STORAGE_POOL_BUILDING     = 1,
    VIR_STORAGE_POOL_RUNNING      = 2,
    VIR_STORAGE_POOL_DEGRADED     = 3,
    VIR_STORAGE_POOL_INACCESSIBLE = 4,
} virStoragePoolState;

typedef enum {
    VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE     = 1,
    VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE       = (1 << 1),
    VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT   = (1 << 2),
    VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT    = (1 << 3),
    VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART    = (1 << 4),
    VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART = (1 << 5),
    VIR_CONNECT_LIST_STORAGE_POOLS_DIR          = (1 << 6),
    VIR_CONNECT_LIST_STORAGE_POOLS_FS           = (1 << 7),
    VIR_CONNECT_LIST_STORAGE_POOLS_NETFS        = (1 << 8),
    VIR_CONNECT_LIST_STORAGE_POOLS_LOGICAL      = (1 << 9),
    VIR_CONNECT_LIST_STORAGE_POOLS_DISK         = (1 << 10),
    VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI        = (1 << 11),
    VIR_CONNECT_LIST_STORAGE_POOLS_SCSI         = (1 << 12),
    VIR_CONNECT_LIST_STORAGE_POOLS_MPATH        = (1 << 13),
    VIR_CONNECT_LIST_STORAGE_POOLS_RBD          = (1 << 14),
    VIR_CONNECT_LIST_STORAGE_POOLS_SHEEPDOG     = (1 << 15),
    VIR_CONNECT_LIST_STORAGE_POOLS_GLUSTER      = (1 << 16),
    VIR_CONNECT_LIST_STORAGE_POOLS_ZFS          = (1 << 17),
    VIR_CONNECT_LIST_STORAGE_POOLS_VSTORAGE     = (1 << 18),
    VIR_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT = (1 << 19),
} virConnectListAllStoragePoolsFlags;

typedef enum {
    VIR_STORAGE_XML_INACTIVE = 1,
} virStorageXMLFlags;

typedef enum {
    VIR_STORAGE_POOL_BUILD_NEW          = 0,
    VIR_STORAGE_POOL_BUILD_REPAIR       = 1,
    VIR_STORAGE_POOL_BUILD_RESIZE       = (1 << 1),
    VIR_STORAGE_POOL_BUILD_NO_OVERWRITE = (1 << 2),
    VIR_STORAGE_POOL_BUILD_OVERWRITE    = (1 << 3),
} virStoragePoolBuildFlags;

typedef enum {
    VIR_STORAGE_POOL_DELETE_NORMAL = 0,
    VIR_STORAGE_POOL_DELETE_ZEROED = 1,
} virStoragePoolDeleteFlags;

typedef enum {
    VIR_STORAGE_POOL_CREATE_NORMAL                  = 0,
    VIR_STORAGE_POOL_CREATE_WITH_BUILD              = 1,
    VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE    = (1 << 1),
    VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE = (1 << 2),
} virStoragePoolCreateFlags;

typedef struct _virStoragePoolInfo virStoragePoolInfo;
struct _virStoragePoolInfo {
    int state;                     /* virStoragePoolState */
    unsigned long long capacity;   /* bytes */
    unsigned long long allocation; /* bytes */
    unsigned long long available;  /* bytes */
};
typedef virStoragePoolInfo *virStoragePoolInfoPtr;

int virConnectNumOfStoragePools(virConnectPtr conn);
int virConnectListStoragePools(virConnectPtr conn, char **const names,
                               int maxnames);
int virConnectNumOfDefinedStoragePools(virConnectPtr conn);
int virConnectListDefinedStoragePools(virConnectPtr conn, char **const names,
                                      int maxnames);
int virConnectListAllStoragePools(virConnectPtr conn,
                                  virStoragePoolPtr **pools,
                                  unsigned int flags);
virStoragePoolPtr virStoragePoolLookupByName(virConnectPtr conn,
                                             const char *name);
int virStoragePoolRef(virStoragePoolPtr pool);
int virStoragePoolFree(virStoragePoolPtr pool);
virConnectPtr virStoragePoolGetConnect(virStoragePoolPtr pool);
const char *virStoragePoolGetName(virStoragePoolPtr pool);
int virStoragePoolGetUUID(virStoragePoolPtr pool, unsigned char *uuid);
int virStoragePoolGetUUIDString(virStoragePoolPtr pool, char *buf);
int virStoragePoolGetInfo(virStoragePoolPtr pool, virStoragePoolInfoPtr info);
char *virStoragePoolGetXMLDesc(virStoragePoolPtr pool, unsigned int flags);
int virStoragePoolIsActive(virStoragePoolPtr pool);
int virStoragePoolIsPersistent(virStoragePoolPtr pool);
int virStoragePoolGetAutostart(virStoragePoolPtr pool, int *autostart);
int virStoragePoolSetAutostart(virStoragePoolPtr pool, int autostart);
virStoragePoolPtr virStoragePoolLookupByUUID(virConnectPtr conn,
                                             const unsigned char *uuid);
virStoragePoolPtr virStoragePoolLookupByUUIDString(virConnectPtr conn,
                                                   const char *uuid);
virStoragePoolPtr virStoragePoolCreateXML(virConnectPtr conn,
                                          const char *xmlDesc,
                                          unsigned int flags);
virStoragePoolPtr virStoragePoolDefineXML(virConnectPtr conn,
                                          const char *xmlDesc,
                                          unsigned int flags);
int virStoragePoolBuild(virStoragePoolPtr pool, unsigned int flags);
int virStoragePoolCreate(virStoragePoolPtr pool, unsigned int flags);
int virStoragePoolDestroy(virStoragePoolPtr pool);
int virStoragePoolDelete(virStoragePoolPtr pool, unsigned int flags);
int virStoragePoolUndefine(virStoragePoolPtr pool);
int virStoragePoolRefresh(virStoragePoolPtr pool, unsigned int flags);

/* ---- Storage volumes ---------------------------------------------------- */

typedef enum {
    VIR_STORAGE_VOL_FILE    = 0,
    VIR_STORAGE_VOL_BLOCK   = 1,
    VIR_STORAGE_VOL_DIR     = 2,
    VIR_STORAGE_VOL_NETWORK = 3,
    VIR_STORAGE_VOL_NETDIR  = 4,
    VIR_STORAGE_VOL_PLOOP   = 5,
} virStorageVolType;

typedef enum {
    VIR_STORAGE_VOL_DELETE_NORMAL         = 0,
    VIR_STORAGE_VOL_DELETE_ZEROED         = 1 << 0,
    VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS = 1 << 1,
} virStorageVolDeleteFlags;

typedef enum {
    VIR_STORAGE_VOL_WIPE_ALG_ZERO       = 0,
    VIR_STORAGE_VOL_WIPE_ALG_NNSA       = 1,
    VIR_STORAGE_VOL_WIPE_ALG_DOD        = 2,
    VIR_STORAGE_VOL_WIPE_ALG_BSI        = 3,
    VIR_STORAGE_VOL_WIPE_ALG_GUTMANN    = 4,
    VIR_STORAGE_VOL_WIPE_ALG_SCHNEIER   = 5,
    VIR_STORAGE_VOL_WIPE_ALG_PFITZNER7  = 6,
    VIR_STORAGE_VOL_WIPE_ALG_PFITZNER33 = 7,
    VIR_STORAGE_VOL_WIPE_ALG_RANDOM     = 8,
    VIR_STORAGE_VOL_WIPE_ALG_TRIM       = 9,
} virStorageVolWipeAlgorithm;

typedef enum {
    VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA = 1 << 0,
    VIR_STORAGE_VOL_CREATE_REFLINK           = 1 << 1,
    VIR_STORAGE_VOL_CREATE_VALIDATE          = 1 << 2,
} virStorageVolCreateFlags;

typedef enum {
    VIR_STORAGE_VOL_RESIZE_ALLOCATE = 1 << 0,
    VIR_STORAGE_VOL_RESIZE_DELTA    = 1 << 1,
    VIR_STORAGE_VOL_RESIZE_SHRINK   = 1 << 2,
} virStorageVolResizeFlags;

typedef enum {
    VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM = 1 << 0,
} virStorageVolDownloadFlags;

typedef enum {
    VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM = 1 << 0,
} virStorageVolUploadFlags;

typedef struct _virStorageVolInfo virStorageVolInfo;
struct _virStorageVolInfo {
    int type;                      /* virStorageVolType */
    unsigned long long capacity;   /* bytes */
    unsigned long long allocation; /* bytes */
};
typedef virStorageVolInfo *virStorageVolInfoPtr;

virStorageVolPtr virStorageVolLookupByName(virStoragePoolPtr pool,
                                           const char *name);
virStorageVolPtr virStorageVolLookupByKey(virConnectPtr conn, const char *key);
virStorageVolPtr virStorageVolLookupByPath(virConnectPtr conn,
                                           const char *path);
virStorageVolPtr virStorageVolCreateXML(virStoragePoolPtr pool,
                                        const char *xmlDesc,
                                        unsigned int flags);
virStorageVolPtr virStorageVolCreateXMLFrom(virStoragePoolPtr pool,
                                            const char *xmlDesc,
                                            virStorageVolPtr clonevol,
                                            unsigned int flags);
int virStorageVolRef(virStorageVolPtr vol);
int virStorageVolFree(virStorageVolPtr vol);
virConnectPtr virStorageVolGetConnect(virStorageVolPtr vol);
const char *virStorageVolGetName(virStorageVolPtr vol);
const char *virStorageVolGetKey(virStorageVolPtr vol);
int virStorageVolGetInfo(virStorageVolPtr vol, virStorageVolInfoPtr info);
char *virStorageVolGetXMLDesc(virStorageVolPtr vol, unsigned int flags);
char *virStorageVolGetPath(virStorageVolPtr vol);
int virStorageVolDelete(virStorageVolPtr vol, unsigned int flags);
int virStorageVolWipe(virStorageVolPtr vol, unsigned int flags);
int virStorageVolWipePattern(virStorageVolPtr vol, unsigned int algorithm,
                             unsigned int flags);
int virStorageVolResize(virStorageVolPtr vol, unsigned long long capacity,
                        unsigned int flags);
int virStorageVolUpload(virStorageVolPtr vol, virStreamPtr stream,
                        unsigned long long offset, unsigned long long length,
                        unsigned int flags);
int virStorageVolDownload(virStorageVolPtr vol, virStreamPtr stream,
                          unsigned long long offset, unsigned long long length,
                          unsigned int flags);

/* ---- Streams ------------------------------------------------------------ */

typedef enum {
    VIR_STREAM_NONBLOCK = (1 << 0),
} virStreamFlags;

typedef enum {
    VIR_STREAM_RECV_STOP_AT_HOLE = (1 << 0),
} virStreamRecvFlagsValues;

typedef int (*virStreamSourceFunc)(virStreamPtr st, char *data, size_t nbytes,
                                   void *opaque);
typedef int (*virStreamSourceHoleFunc)(virStreamPtr st, int *inData,
                                       long long *length, void *opaque);
typedef int (*virStreamSourceSkipFunc)(virStreamPtr st, long long length,
                                       void *opaque);
typedef int (*virStreamSinkFunc)(virStreamPtr st, const char *data,
                                 size_t nbytes, void *opaque);
typedef int (*virStreamSinkHoleFunc)(virStreamPtr st, long long length,
                                     void *opaque);

virStreamPtr virStreamNew(virConnectPtr conn, unsigned int flags);
int virStreamRef(virStreamPtr st);
int virStreamFree(virStreamPtr st);
int virStreamSend(virStreamPtr st, const char *data, size_t nbytes);
int virStreamRecv(virStreamPtr st, char *data, size_t nbytes);
int virStreamRecvFlags(virStreamPtr st, char *data, size_t nbytes,
                       unsigned int flags);
int virStreamSendHole(virStreamPtr st, long long length, unsigned int flags);
int virStreamRecvHole(virStreamPtr st, long long *length, unsigned int flags);
int virStreamSendAll(virStreamPtr st, virStreamSourceFunc handler,
                     void *opaque);
int virStreamSparseSendAll(virStreamPtr st, virStreamSourceFunc handler,
                           virStreamSourceHoleFunc holeHandler,
                           virStreamSourceSkipFunc skipHandler, void *opaque);
int virStreamRecvAll(virStreamPtr st, virStreamSinkFunc handler, void *opaque);
int virStreamSparseRecvAll(virStreamPtr st, virStreamSinkFunc handler,
                           virStreamSinkHoleFunc holeHandler, void *opaque);
int virStreamFinish(virStreamPtr st);
int virStreamAbort(virStreamPtr st);

/* ---- Domain snapshots ---------------------------------------------------- */

typedef enum {
    VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE = (1 << 0),
    VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT = (1 << 1),
    VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA = (1 << 2),
    VIR_DOMAIN_SNAPSHOT_CREATE_HALT = (1 << 3),
    VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY = (1 << 4),
    VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT = (1 << 5),
    VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE = (1 << 6),
    VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC = (1 << 7),
    VIR_DOMAIN_SNAPSHOT_CREATE_LIVE = (1 << 8),
    VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE = (1 << 9),
} virDomainSnapshotCreateFlags;

typedef enum {
    VIR_DOMAIN_SNAPSHOT_XML_SECURE = (1 << 0),
} virDomainSnapshotXMLFlags;

typedef enum {
    VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS = (1 << 0),
    VIR_DOMAIN_SNAPSHOT_LIST_ROOTS = (1 << 0),
    VIR_DOMAIN_SNAPSHOT_LIST_METADATA = (1 << 1),
    VIR_DOMAIN_SNAPSHOT_LIST_LEAVES = (1 << 2),
    VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES = (1 << 3),
    VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA = (1 << 4),
    VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE = (1 << 5),
    VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE = (1 << 6),
    VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY = (1 << 7),
    VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL = (1 << 8),
    VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL = (1 << 9),
    VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL = (1 << 10),
} virDomainSnapshotListFlags;

typedef enum {
    VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING = 1 << 0,
    VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED = 1 << 1,
    VIR_DOMAIN_SNAPSHOT_REVERT_FORCE = 1 << 2,
    VIR_DOMAIN_SNAPSHOT_REVERT_RESET_NVRAM = 1 << 3,
} virDomainSnapshotRevertFlags;

typedef enum {
    VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN = (1 << 0),
    VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY = (1 << 1),
    VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY = (1 << 2),
} virDomainSnapshotDeleteFlags;

const char *virDomainSnapshotGetName(virDomainSnapshotPtr snapshot);
virDomainPtr virDomainSnapshotGetDomain(virDomainSnapshotPtr snapshot);
virConnectPtr virDomainSnapshotGetConnect(virDomainSnapshotPtr snapshot);
virDomainSnapshotPtr virDomainSnapshotCreateXML(virDomainPtr domain,
                                                const char *xmlDesc,
                                                unsigned int flags);
char *virDomainSnapshotGetXMLDesc(virDomainSnapshotPtr snapshot,
                                  unsigned int flags);
int virDomainSnapshotNum(virDomainPtr domain, unsigned int flags);
int virDomainSnapshotListNames(virDomainPtr domain, char **names,
                               int nameslen, unsigned int flags);
int virDomainListAllSnapshots(virDomainPtr domain,
                              virDomainSnapshotPtr **snaps,
                              unsigned int flags);
int virDomainSnapshotNumChildren(virDomainSnapshotPtr snapshot,
                                 unsigned int flags);
int virDomainSnapshotListChildrenNames(virDomainSnapshotPtr snapshot,
                                       char **names, int nameslen,
                                       unsigned int flags);
int virDomainSnapshotListAllChildren(virDomainSnapshotPtr snapshot,
                                     virDomainSnapshotPtr **snaps,
                                     unsigned int flags);
virDomainSnapshotPtr virDomainSnapshotLookupByName(virDomainPtr domain,
                                                   const char *name,
                                                   unsigned int flags);
int virDomainHasCurrentSnapshot(virDomainPtr domain, unsigned int flags);
virDomainSnapshotPtr virDomainSnapshotCurrent(virDomainPtr domain,
                                              unsigned int flags);
virDomainSnapshotPtr virDomainSnapshotGetParent(virDomainSnapshotPtr snapshot,
                                                unsigned int flags);
int virDomainSnapshotIsCurrent(virDomainSnapshotPtr snapshot,
                               unsigned int flags);
int virDomainSnapshotHasMetadata(virDomainSnapshotPtr snapshot,
                                 unsigned int flags);
int virDomainRevertToSnapshot(virDomainSnapshotPtr snapshot,
                              unsigned int flags);
int virDomainSnapshotDelete(virDomainSnapshotPtr snapshot,
                            unsigned int flags);
int virDomainSnapshotRef(virDomainSnapshotPtr snapshot);
int virDomainSnapshotFree(virDomainSnapshotPtr snapshot);

char *virDomainScreenshot(virDomainPtr domain, virStreamPtr stream,
                          unsigned int screen, unsigned int flags);

#ifdef __cplusplus
}
#endif

#endif /* VIRT_RS_LIBVIRT_H */
