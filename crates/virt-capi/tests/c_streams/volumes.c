/* Storage volumes and streams: a volume uploaded and downloaded through
 * every kind of stream call (Send/Recv, SendAll/RecvAll, the sparse
 * helpers, RecvFlags with RecvHole, Abort, Finish), then the errors of
 * streams used wrongly. Usage: volumes URI POOL-DIR (a dir pool is made
 * there). Output compared between virt-rs and libvirt. Written for
 * virt-rs's tests. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "../c/result.h"

#define KiB 1024LL
#define MiB (1024LL * 1024)
#define SIZE (4 * MiB)

/* The image: 4 KiB of 'A' at 0, 8 KiB of 'B' at 2 MiB, holes elsewhere. */
static int in_data(long long pos, long long *section)
{
    if (pos >= SIZE) { *section = 0; return 0; }
    if (pos < 4 * KiB) { *section = 4 * KiB - pos; return 1; }
    if (pos < 2 * MiB) { *section = 2 * MiB - pos; return 0; }
    if (pos < 2 * MiB + 8 * KiB) { *section = 2 * MiB + 8 * KiB - pos; return 1; }
    *section = SIZE - pos;
    return 0;
}

static char byte_at(long long pos)
{
    long long s;
    if (!in_data(pos, &s))
        return 0;
    return pos < 2 * MiB ? 'A' : 'B';
}

struct source { long long pos; };

static int source(virStreamPtr st, char *data, size_t nbytes, void *opaque)
{
    struct source *s = opaque;
    size_t i;
    (void)st;
    for (i = 0; i < nbytes && s->pos < SIZE; i++, s->pos++)
        data[i] = byte_at(s->pos);
    return (int)i;
}

static int source_hole(virStreamPtr st, int *inData, long long *length, void *opaque)
{
    struct source *s = opaque;
    (void)st;
    *inData = in_data(s->pos, length);
    return 0;
}

static int source_skip(virStreamPtr st, long long length, void *opaque)
{
    struct source *s = opaque;
    (void)st;
    s->pos += length;
    return 0;
}

/* What a download delivered: runs of data and holes (adjacent pieces of
 * one kind merged, as chunking is each side's own), a checksum, and
 * whether every byte matched the image at its offset. */
struct sink {
    long long pos, run, checksum;
    int kind; /* 0 none, 1 data, 2 hole */
    int mismatch;
    char runs[512];
};

static void sink_start(struct sink *k, long long pos)
{
    memset(k, 0, sizeof(*k));
    k->pos = pos;
}

static void sink_flush(struct sink *k)
{
    char part[64];
    if (!k->kind)
        return;
    snprintf(part, sizeof(part), " %s:%lld", k->kind == 1 ? "data" : "hole", k->run);
    strncat(k->runs, part, sizeof(k->runs) - strlen(k->runs) - 1);
    k->kind = 0;
    k->run = 0;
}

static void sink_piece(struct sink *k, int kind, long long n)
{
    if (k->kind != kind)
        sink_flush(k);
    k->kind = kind;
    k->run += n;
}

static int sink(virStreamPtr st, const char *data, size_t nbytes, void *opaque)
{
    struct sink *k = opaque;
    size_t i;
    (void)st;
    for (i = 0; i < nbytes; i++, k->pos++) {
        if (data[i] != byte_at(k->pos))
            k->mismatch = 1;
        k->checksum = (k->checksum * 31 + (unsigned char)data[i]) % 1000000007LL;
    }
    sink_piece(k, 1, (long long)nbytes);
    return (int)nbytes;
}

static int sink_hole(virStreamPtr st, long long length, void *opaque)
{
    struct sink *k = opaque;
    (void)st;
    k->pos += length;
    sink_piece(k, 2, length);
    return 0;
}

static void sink_report(const char *what, struct sink *k)
{
    sink_flush(k);
    printf("  %s: runs%s checksum=%lld matches=%s\n", what, k->runs, k->checksum,
           k->mismatch ? "no" : "yes");
}

static const char *VOL =
    "<volume><name>%s</name><capacity unit='MiB'>4</capacity>"
    "<allocation>0</allocation><target><format type='raw'/></target></volume>";

static virStorageVolPtr make_vol(virStoragePoolPtr pool, const char *name)
{
    char xml[512];
    virStorageVolInfo info;
    virStorageVolPtr v;
    snprintf(xml, sizeof(xml), VOL, name);
    v = virStorageVolCreateXML(pool, xml, 0);
    result("virStorageVolCreateXML", v != NULL);
    if (v) {
        result("virStorageVolGetInfo", virStorageVolGetInfo(v, &info));
        printf("  %s type=%d capacity=%llu\n", virStorageVolGetName(v), info.type,
               info.capacity);
    }
    return v;
}

int main(int argc, char **argv)
{
    char xml[1024];
    char buf[256];
    struct source src;
    struct sink k;
    long long hole;
    int n, i;

    if (argc != 3) {
        fprintf(stderr, "usage: %s URI POOL-DIR\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    virSetErrorFunc(NULL, quiet);
    virConnectPtr conn = virConnectOpen(argv[1]);
    result("virConnectOpen", conn != NULL);
    if (!conn)
        return 1;
    snprintf(xml, sizeof(xml),
             "<pool type='dir'><name>cstreams</name><target><path>%s</path></target></pool>",
             argv[2]);
    virStoragePoolPtr pool = virStoragePoolCreateXML(conn, xml, 0);
    result("virStoragePoolCreateXML", pool != NULL);
    if (!pool)
        return 1;

    /* Dense: SendAll up, RecvAll down. */
    virStorageVolPtr v = make_vol(pool, "dense.img");
    virStreamPtr st = virStreamNew(conn, 0);
    result("virStreamNew", st != NULL);
    result("virStorageVolUpload", virStorageVolUpload(v, st, 0, 0, 0));
    src.pos = 0;
    result("virStreamSendAll", virStreamSendAll(st, source, &src));
    result("virStreamFinish", virStreamFinish(st));
    result("virStreamFree", virStreamFree(st));
    st = virStreamNew(conn, 0);
    result("virStorageVolDownload", virStorageVolDownload(v, st, 0, 0, 0));
    sink_start(&k, 0);
    result("virStreamRecvAll", virStreamRecvAll(st, sink, &k));
    result("virStreamFinish", virStreamFinish(st));
    sink_report("dense download", &k);
    virStreamFree(st);

    /* The volume found again, cloned, grown and wiped. */
    char *path = virStorageVolGetPath(v);
    virStorageVolPtr byp = virStorageVolLookupByPath(conn, path);
    result("virStorageVolLookupByPath", byp != NULL);
    virStorageVolPtr byk = virStorageVolLookupByKey(conn, virStorageVolGetKey(v));
    result("virStorageVolLookupByKey", byk != NULL);
    printf("  by path: %s, by key: %s\n", byp ? virStorageVolGetName(byp) : "-",
           byk ? virStorageVolGetName(byk) : "-");
    virStorageVolFree(byp);
    virStorageVolFree(byk);
    free(path);
    result("virStorageVolGetConnect", virStorageVolGetConnect(v) == conn);
    result("virStorageVolRef", virStorageVolRef(v));
    result("virStorageVolFree", virStorageVolFree(v));
    char *desc = virStorageVolGetXMLDesc(v, 0);
    result("virStorageVolGetXMLDesc", desc != NULL && strstr(desc, "<name>dense.img</name>") != NULL);
    free(desc);
    snprintf(xml, sizeof(xml), VOL, "copy.img");
    virStorageVolPtr copy = virStorageVolCreateXMLFrom(pool, xml, v, 0);
    result("virStorageVolCreateXMLFrom", copy != NULL);
    st = virStreamNew(conn, 0);
    result("virStreamRef", virStreamRef(st));
    virStorageVolDownload(copy, st, 0, 0, 0);
    sink_start(&k, 0);
    result("virStreamRecvAll", virStreamRecvAll(st, sink, &k));
    result("virStreamFinish", virStreamFinish(st));
    sink_report("clone download", &k);
    virStreamFree(st);
    virStreamFree(st);
    virStorageVolInfo info = {0};
    result("virStorageVolResize", virStorageVolResize(copy, 8 * MiB, 0));
    if (virStorageVolGetInfo(copy, &info) == 0)
        printf("  copy.img capacity=%llu\n", info.capacity);
    else
        printf("  copy.img capacity=-\n");
    result("virStorageVolWipe", virStorageVolWipe(copy, 0));
    result("virStorageVolWipePattern",
           virStorageVolWipePattern(copy, VIR_STORAGE_VOL_WIPE_ALG_ZERO, 0));
    st = virStreamNew(conn, 0);
    virStorageVolDownload(copy, st, 0, 0, 0);
    sink_start(&k, SIZE);
    result("virStreamRecvAll", virStreamRecvAll(st, sink, &k));
    virStreamFinish(st);
    virStreamFree(st);
    sink_report("wiped download (from 4 MiB on, zeroes expected)", &k);
    result("virStorageVolDelete", virStorageVolDelete(copy, 0));
    virStorageVolFree(copy);

    /* A window by hand: Send of a few bytes at an offset, Recv back. */
    st = virStreamNew(conn, 0);
    result("virStorageVolUpload window", virStorageVolUpload(v, st, 3 * MiB, 5, 0));
    result("virStreamSend", virStreamSend(st, "hello", 5));
    result("virStreamFinish", virStreamFinish(st));
    virStreamFree(st);
    st = virStreamNew(conn, 0);
    result("virStorageVolDownload window", virStorageVolDownload(v, st, 3 * MiB - 2, 9, 0));
    printf("  window:");
    while ((n = virStreamRecv(st, buf, 4)) > 0)
        for (i = 0; i < n; i++)
            printf(" %02x", (unsigned char)buf[i]);
    printf("\n");
    result("virStreamRecv at the end", n);
    result("virStreamFinish", virStreamFinish(st));
    virStreamFree(st);

    /* A hole on a stream that was not opened sparse. */
    st = virStreamNew(conn, 0);
    virStorageVolUpload(v, st, 0, 0, 0);
    result("virStreamSendHole on a dense stream", virStreamSendHole(st, 4096, 0));
    result("virStreamAbort", virStreamAbort(st));
    virStreamFree(st);

    /* Sparse: SparseSendAll up into a fresh volume, SparseRecvAll down. */
    virStorageVolPtr s = make_vol(pool, "sparse.img");
    virStorageVolPtr byname = virStorageVolLookupByName(pool, "sparse.img");
    result("virStorageVolLookupByName", byname != NULL);
    virStorageVolFree(byname);
    result("virStorageVolLookupByName nosuch", virStorageVolLookupByName(pool, "nosuch") != NULL);
    st = virStreamNew(conn, 0);
    result("virStorageVolUpload sparse",
           virStorageVolUpload(s, st, 0, 0, VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM));
    src.pos = 0;
    result("virStreamSparseSendAll",
           virStreamSparseSendAll(st, source, source_hole, source_skip, &src));
    result("virStreamFinish", virStreamFinish(st));
    virStreamFree(st);
    st = virStreamNew(conn, 0);
    result("virStorageVolDownload sparse",
           virStorageVolDownload(s, st, 0, 0, VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM));
    sink_start(&k, 0);
    result("virStreamSparseRecvAll", virStreamSparseRecvAll(st, sink, sink_hole, &k));
    result("virStreamFinish", virStreamFinish(st));
    sink_report("sparse download", &k);
    virStreamFree(st);

    /* RecvFlags stopping at holes, RecvHole for their length. */
    st = virStreamNew(conn, 0);
    virStorageVolDownload(s, st, 2 * KiB, 2 * MiB + 2 * KiB,
                          VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM);
    sink_start(&k, 2 * KiB);
    for (;;) {
        n = virStreamRecvFlags(st, buf, sizeof(buf), VIR_STREAM_RECV_STOP_AT_HOLE);
        if (n == -3) {
            if (virStreamRecvHole(st, &hole, 0) < 0) {
                result("virStreamRecvHole", -1);
                break;
            }
            sink_hole(st, hole, &k);
        } else if (n > 0) {
            sink(st, buf, n, &k);
        } else {
            result("virStreamRecvFlags at the end", n);
            break;
        }
    }
    result("virStreamFinish", virStreamFinish(st));
    sink_report("window with holes", &k);
    virStreamFree(st);

    /* Abort half way. */
    st = virStreamNew(conn, 0);
    virStorageVolDownload(s, st, 0, 0, 0);
    result("virStreamRecv", virStreamRecv(st, buf, sizeof(buf)));
    result("virStreamAbort", virStreamAbort(st));
    result("virStreamFree", virStreamFree(st));

    /* Streams used wrongly. */
    st = virStreamNew(conn, 0);
    result("virStreamFinish unattached", virStreamFinish(st));
    result("virStreamRecvHole null", virStreamRecvHole(st, NULL, 0));
    virStreamFree(st);
    result("virStreamSend null stream", virStreamSend(NULL, "x", 1));
    result("virStreamFree null stream", virStreamFree(NULL));
    result("virStorageVolUpload null stream", virStorageVolUpload(s, NULL, 0, 0, 0));
    result("virStreamNew null connection", virStreamNew(NULL, 0) != NULL);

    result("virStorageVolDelete", virStorageVolDelete(v, 0));
    result("virStorageVolDelete", virStorageVolDelete(s, 0));
    virStorageVolFree(v);
    virStorageVolFree(s);
    result("virStoragePoolDestroy", virStoragePoolDestroy(pool));
    virStoragePoolFree(pool);
    result("virConnectClose", virConnectClose(conn));
    return 0;
}
