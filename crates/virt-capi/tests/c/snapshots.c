/* Domain snapshots on test:///default: create (plain, redefined, bad
 * XML), look up, current, parent, children, the listings with their
 * filters, revert with the guest's state after, delete (children, children
 * only), reference counting, the errors on the way (bad handles, bad
 * arrays, unknown names). Output compared with the same program linked
 * against libvirt. Written for virt-rs's tests. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "result.h"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names a listing gives, sorted unless it is topological (libvirt's
 * order is its hash table's otherwise). */
static void names(const char *what, virDomainPtr dom, unsigned int flags)
{
    char *list[8];
    int n = virDomainSnapshotListNames(dom, list, 8, flags);
    if (n > 0 && !(flags & VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL))
        qsort(list, n, sizeof(list[0]), by_name);
    printf("%s:", what);
    for (int i = 0; i < n; i++) {
        printf(" %s", list[i]);
        free(list[i]);
    }
    printf(" (%d, num %d)\n", n, virDomainSnapshotNum(dom, flags));
}

static void state(virDomainPtr dom)
{
    int st = -1, reason = -1;
    virDomainGetState(dom, &st, &reason, 0);
    printf("  state=%d reason=%d\n", st, reason);
}

static virDomainSnapshotPtr make(virDomainPtr dom, const char *name)
{
    char xml[256];
    snprintf(xml, sizeof(xml),
             "<domainsnapshot><name>%s</name><description>about %s</description></domainsnapshot>",
             name, name);
    virDomainSnapshotPtr s = virDomainSnapshotCreateXML(dom, xml, 0);
    result(name, s != NULL);
    return s;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    virSetErrorFunc(NULL, quiet);
    virConnectPtr conn = virConnectOpen("test:///default");
    virDomainPtr dom = virDomainLookupByName(conn, "test");

    result("HasCurrentSnapshot (none)", virDomainHasCurrentSnapshot(dom, 0));
    result("SnapshotCurrent (none)", virDomainSnapshotCurrent(dom, 0) != NULL);
    virDomainSnapshotPtr a = make(dom, "a");
    virDomainSnapshotPtr b = make(dom, "b");
    result("Suspend", virDomainSuspend(dom));
    virDomainSnapshotPtr c = make(dom, "c");
    result("Resume", virDomainResume(dom));
    result("duplicate", virDomainSnapshotCreateXML(dom,
           "<domainsnapshot><name>a</name></domainsnapshot>", 0) != NULL);
    result("bad XML", virDomainSnapshotCreateXML(dom, "<domainsnapshot><bogus>", 0) != NULL);
    result("null XML", virDomainSnapshotCreateXML(dom, NULL, 0) != NULL);
    result("bad flags", virDomainSnapshotCreateXML(dom, "<domainsnapshot/>", 1u << 30) != NULL);

    printf("name=%s domain=%s same-conn=%d\n", virDomainSnapshotGetName(a),
           virDomainGetName(virDomainSnapshotGetDomain(a)),
           virDomainSnapshotGetConnect(a) == conn);
    char *xml = virDomainSnapshotGetXMLDesc(b, 0);
    printf("xml has parent a: %d, description: %d\n",
           xml && strstr(xml, "<parent>\n    <name>a</name>") != NULL,
           xml && strstr(xml, "<description>about b</description>") != NULL);
    free(xml);

    names("all", dom, 0);
    names("roots", dom, VIR_DOMAIN_SNAPSHOT_LIST_ROOTS);
    names("leaves", dom, VIR_DOMAIN_SNAPSHOT_LIST_LEAVES);
    names("active", dom, VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE);
    names("topological", dom, VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL);
    result("ListNames negative", virDomainSnapshotListNames(dom, NULL, -1, 0));
    result("ListNames null names", virDomainSnapshotListNames(dom, NULL, 2, 0));

    virDomainSnapshotPtr *all = NULL;
    int n = virDomainListAllSnapshots(dom, &all, VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL);
    printf("ListAll = %d:", n);
    for (int i = 0; i < n; i++) {
        printf(" %s(current=%d metadata=%d children=%d)",
               virDomainSnapshotGetName(all[i]),
               virDomainSnapshotIsCurrent(all[i], 0),
               virDomainSnapshotHasMetadata(all[i], 0),
               virDomainSnapshotNumChildren(all[i], 0));
        virDomainSnapshotFree(all[i]);
    }
    printf(" end=%p\n", (void *)all[n]);
    free(all);
    result("ListAll count only", virDomainListAllSnapshots(dom, NULL, 0));

    virDomainSnapshotPtr p = virDomainSnapshotGetParent(c, 0);
    printf("parent of c: %s\n", p ? virDomainSnapshotGetName(p) : "(none)");
    result("parent of a", virDomainSnapshotGetParent(a, 0) != NULL);
    char *kids[4];
    n = virDomainSnapshotListChildrenNames(a, kids, 4, VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS);
    printf("descendants of a = %d:", n);
    for (int i = 0; i < n; i++) {
        printf(" %s", kids[i]);
        free(kids[i]);
    }
    printf("\n");
    virDomainSnapshotPtr *ch = NULL;
    n = virDomainSnapshotListAllChildren(p, &ch, 0);
    printf("children of %s = %d", virDomainSnapshotGetName(p), n);
    for (int i = 0; i < n; i++) {
        printf(" %s", virDomainSnapshotGetName(ch[i]));
        virDomainSnapshotFree(ch[i]);
    }
    printf("\n");
    free(ch);

    virDomainSnapshotPtr cur = virDomainSnapshotCurrent(dom, 0);
    printf("current: %s\n", cur ? virDomainSnapshotGetName(cur) : "(none)");
    virDomainSnapshotPtr byname = virDomainSnapshotLookupByName(dom, "a", 0);
    result("LookupByName a", byname != NULL);
    result("LookupByName nosuch", virDomainSnapshotLookupByName(dom, "nosuch", 0) != NULL);
    result("LookupByName null", virDomainSnapshotLookupByName(dom, NULL, 0) != NULL);

    result("Revert to c (paused)", virDomainRevertToSnapshot(c, 0));
    state(dom);
    result("Revert to a", virDomainRevertToSnapshot(a, 0));
    state(dom);
    result("Destroy", virDomainDestroy(dom));
    result("Revert to b, paused", virDomainRevertToSnapshot(b, VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED));
    state(dom);
    result("is current b", virDomainSnapshotIsCurrent(b, 0));

    result("Ref", virDomainSnapshotRef(a));
    result("Free", virDomainSnapshotFree(a));
    result("Delete children only of a", virDomainSnapshotDelete(a, VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY));
    names("after", dom, 0);
    result("Delete b (gone)", virDomainSnapshotDelete(b, 0));
    result("Delete a with children", virDomainSnapshotDelete(a, VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN));
    names("after", dom, 0);

    result("GetName NULL", virDomainSnapshotGetName(NULL) != NULL);
    result("Free NULL", virDomainSnapshotFree(NULL));
    result("Delete NULL", virDomainSnapshotDelete(NULL, 0));
    result("Num NULL domain", virDomainSnapshotNum(NULL, 0));

    virStreamPtr st = virStreamNew(conn, 0);
    char *mime = virDomainScreenshot(dom, st, 0, 0);
    printf("screenshot mime: %s\n", mime ? mime : "(null)");
    if (mime) {
        char buf[8];
        int got = virStreamRecv(st, buf, 8);
        printf("screenshot first bytes: %d %s\n", got, got >= 4 && memcmp(buf + 1, "PNG", 3) == 0 ? "png" : "?");
        free(mime);
        virStreamAbort(st);
    } else {
        result("Screenshot", 0);
    }
    virStreamFree(st);
    result("Screenshot bad stream", virDomainScreenshot(dom, NULL, 0, 0) != NULL);

    virDomainSnapshotFree(a);
    virDomainSnapshotFree(b);
    virDomainSnapshotFree(c);
    virDomainSnapshotFree(p);
    virDomainSnapshotFree(cur);
    virDomainSnapshotFree(byname);
    virDomainFree(dom);
    virConnectClose(conn);
    return 0;
}
