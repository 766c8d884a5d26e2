/* virDomainLookupByName + virDomainGetInfo (+ virDomainFree) in a loop on
 * test:///default, the same source linked against virt-rs or libvirt.
 * Prints "ops_per_sec N". Usage: lookup_info [ITERATIONS]. Written for
 * virt-rs's `cargo xtask capi-bench`. */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <libvirt/libvirt.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int round_trip(virConnectPtr conn)
{
    virDomainInfo info;
    virDomainPtr dom = virDomainLookupByName(conn, "test");
    if (!dom || virDomainGetInfo(dom, &info) < 0 || info.nrVirtCpu == 0)
        return -1;
    return virDomainFree(dom);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    virConnectPtr conn = virConnectOpen("test:///default");
    if (!conn)
        return 1;
    for (long i = 0; i < n / 10; i++)
        if (round_trip(conn) < 0)
            return 1;
    double start = now();
    for (long i = 0; i < n; i++)
        if (round_trip(conn) < 0)
            return 1;
    double secs = now() - start;
    printf("ops_per_sec %.0f\n", n / secs);
    return virConnectClose(conn) == 0 ? 0 : 1;
}
