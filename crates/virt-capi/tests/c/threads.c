/* Many threads on one connection and on shared handles: each thread looks
 * the domain up, reads it, takes and drops references on a handle shared
 * by all, and checks that its own failures stay its own. Prints totals
 * only, so the output is the same whatever the interleaving. Written for
 * virt-rs's tests. */

#include <pthread.h>
#include <stdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "result.h"

#define THREADS 4
#define ROUNDS 500

static virConnectPtr conn;
static virDomainPtr shared;

static void *worker(void *arg)
{
    long bad = 0;
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        virDomainInfo info;
        virDomainPtr d = virDomainLookupByName(conn, "test");
        if (!d || virDomainGetInfo(d, &info) < 0 || info.nrVirtCpu != 2)
            bad++;
        if (virDomainFree(d) < 0)
            bad++;
        if (virDomainRef(shared) < 0 || virDomainIsActive(shared) != 1 ||
            virDomainFree(shared) < 0)
            bad++;
        /* A failure here is this thread's alone. */
        if (virDomainLookupByName(conn, "missing") != NULL ||
            virGetLastErrorCode() != VIR_ERR_NO_DOMAIN)
            bad++;
        if (virConnectNumOfDomains(conn) != 1 || virGetLastError() != NULL)
            bad++;
    }
    return (void *)bad;
}

int main(void)
{
    pthread_t t[THREADS];
    long bad = 0;

    virSetErrorFunc(NULL, quiet);
    conn = virConnectOpen("test:///default");
    shared = virDomainLookupByName(conn, "test");
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (long)r;
    }
    printf("%d threads x %d rounds, %ld unexpected answers\n", THREADS, ROUNDS, bad);
    printf("free shared: %d\n", virDomainFree(shared));
    printf("close: %d\n", virConnectClose(conn));
    return bad != 0;
}
