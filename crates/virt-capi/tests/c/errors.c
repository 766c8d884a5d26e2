/* libvirt's error rules, checked from C: the last error per thread, the
 * per-connection copy, handler order, copies and resets. Output compared
 * with the same program linked against libvirt. Written for virt-rs. */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static void handler(void *data, virErrorPtr err)
{
    printf("  handler %s: code=%d %s\n", (const char *)data, err->code, err->message);
}

static void last(const char *what)
{
    virErrorPtr e = virGetLastError();
    printf("%s: last=%s code=%d domain=%d msg=%s\n", what, e ? "set" : "NULL",
           virGetLastErrorCode(), virGetLastErrorDomain(), virGetLastErrorMessage());
}

static void *other_thread(void *arg)
{
    virConnectPtr conn = arg;
    /* A fresh thread has no error, whatever the main thread did. */
    last("thread start");
    virDomainLookupByName(conn, "thread-missing");
    last("thread after failure");
    return NULL;
}

int main(void)
{
    virError copy;
    virErrorPtr saved;

    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    /* libvirt's thread-local record is only set up by virInitialize (or
     * the first open); reading it before is undefined there. */
    virInitialize();
    last("start");

    virSetErrorFunc("global", handler);
    virConnectPtr conn = virConnectOpen("test:///default");
    last("after open");

    printf("lookup missing:\n");
    virDomainLookupByName(conn, "missing");
    last("after failure");

    /* A successful call clears the thread's error. */
    virDomainPtr d = virDomainLookupByName(conn, "test");
    last("after success");

    virDomainLookupByName(conn, "missing");
    printf("copy: %d\n", virCopyLastError(&copy));
    printf("  copy code=%d msg=%s str1=%s str2=%s int1=%d\n", copy.code, copy.message,
           copy.str1 ? copy.str1 : "(null)", copy.str2 ? copy.str2 : "(null)", copy.int1);
    virResetError(&copy);
    printf("  reset code=%d msg=%p\n", copy.code, (void *)copy.message);
    printf("copy NULL: %d\n", virCopyLastError(NULL));

    saved = virSaveLastError();
    virResetLastError();
    last("after reset");
    printf("saved: code=%d msg=%s\n", saved->code, saved->message);
    virFreeError(saved);
    saved = virSaveLastError();
    printf("saved with no error: code=%d msg=%p\n", saved->code, (void *)saved->message);
    virFreeError(saved);
    virFreeError(NULL);
    virResetError(NULL);

    /* The connection keeps its own copy. */
    virErrorPtr ce = virConnGetLastError(conn);
    printf("conn error: code=%d msg=%s\n", ce->code, ce->message);
    printf("conn copy: %d\n", virConnCopyLastError(conn, &copy));
    virResetError(&copy);
    virConnResetLastError(conn);
    printf("conn after reset: code=%d\n", virConnGetLastError(conn)->code);
    printf("conn copy after reset: %d\n", virConnCopyLastError(conn, &copy));
    printf("conn NULL: %p %d\n", (void *)virConnGetLastError(NULL), virConnCopyLastError(NULL, &copy));

    /* The connection's handler wins over the global one for its errors. */
    virConnSetErrorFunc(conn, "conn", handler);
    printf("conn handler:\n");
    virDomainLookupByName(conn, "missing");
    virDomainSuspend(d);
    virDomainSuspend(d);
    virDomainResume(d);
    printf("errors without a connection go to the global handler:\n");
    virDomainGetName(NULL);
    virConnSetErrorFunc(conn, NULL, NULL);
    printf("conn handler removed:\n");
    virDomainLookupByName(conn, "missing");

    /* No handler: libvirt's default printer on stderr. */
    virSetErrorFunc(NULL, NULL);
    printf("default printer:\n");
    virDomainLookupByName(conn, "missing");
    virConnectGetType(NULL);
    virDefaultErrorFunc(virGetLastError());
    virDefaultErrorFunc(NULL);

    /* The last error is per thread. */
    virSetErrorFunc("global", handler);
    virDomainLookupByName(conn, "main-missing");
    pthread_t t;
    pthread_create(&t, NULL, other_thread, conn);
    pthread_join(t, NULL);
    last("main after thread");

    virDomainFree(d);
    virConnectClose(conn);
    return 0;
}
