/* What the C test programs share: a handler that keeps errors off stderr,
 * and one line per call with its result and, if it failed, the thread's
 * last error. Written for virt-rs's tests. */

#ifndef VIRT_CAPI_TEST_RESULT_H
#define VIRT_CAPI_TEST_RESULT_H

#include <stdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static inline void quiet(void *data, virErrorPtr err) { (void)data; (void)err; }

/* "WHAT = RC", and the last error when there is one. */
static inline void result(const char *what, long long rc)
{
    virErrorPtr e = virGetLastError();
    if (e)
        printf("%s = %lld: error code=%d domain=%d level=%d: %s\n", what, rc,
               e->code, e->domain, e->level, e->message);
    else
        printf("%s = %lld\n", what, rc);
}

#endif
