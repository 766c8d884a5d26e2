"""Streams through whichever libvirt module is first on sys.path: volume
upload and download on a dir pool, plain and sparse, blocking and
non-blocking with event callbacks, and the errors of misuse. Prints one
line per check, so a run with python3-libvirt (against libvirtd) and one
with virt-rs's module must print the same.

Usage: python3 streams.py URI WORKDIR
"""

import hashlib
import os
import sys

import libvirt

uri, work = sys.argv[1], sys.argv[2]
libvirt.registerErrorHandler(lambda ctx, err: None, None)
libvirt.virEventRegisterDefaultImpl()
MiB = 1 << 20


def show(label, value):
    print("%s -> %r" % (label, value))


def error(label, fn):
    try:
        show(label, ("ok", fn()))
    except libvirt.libvirtError as e:
        message = e.get_error_message().replace(work, "<work>")
        show(label, ("libvirtError", e.get_error_code(), e.get_error_domain(), message))
    except Exception as e:  # the binding's own exceptions, by type and text
        show(label, (type(e).__name__, str(e)))


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def allocated(path):
    return os.stat(path).st_blocks * 512


def sections(path):
    """[(in data, length), ...] of a file, as SEEK_DATA/SEEK_HOLE see it."""
    out = []
    fd = os.open(path, os.O_RDONLY)
    try:
        end = os.lseek(fd, 0, os.SEEK_END)
        pos = 0
        while pos < end:
            try:
                data = os.lseek(fd, pos, os.SEEK_DATA)
            except OSError:
                data = end
            if data > pos:
                out.append((False, data - pos))
                pos = data
                continue
            hole = os.lseek(fd, pos, os.SEEK_HOLE)
            out.append((True, hole - pos))
            pos = hole
    finally:
        os.close(fd)
    return out


# A sparse source: 8 MiB, data at its start and at 5 MiB, holes elsewhere.
src = os.path.join(work, "src.img")
with open(src, "wb") as f:
    f.write(b"\x07" * 65536)
    f.seek(5 * MiB)
    f.write(bytes(range(256)) * 4096)
    f.truncate(8 * MiB)
show("source sections", sections(src))

conn = libvirt.open(uri)
pool = conn.storagePoolDefineXML(
    "<pool type='dir'><name>streams</name><target><path>%s</path></target></pool>"
    % os.path.join(work, "pool"))
pool.build(0)
pool.create(0)


def volume(name, capacity):
    return pool.createXML(
        "<volume><name>%s</name><capacity>%d</capacity>"
        "<allocation>0</allocation><target><format type='raw'/></target></volume>"
        % (name, capacity), 0)


# sparseSendAll / sparseRecvAll with the handlers libvirt-python documents.
def read_handler(stream, nbytes, fd):
    return os.read(fd, nbytes)


def write_handler(stream, buf, fd):
    return os.write(fd, buf)


def hole_handler(stream, fd):
    cur = os.lseek(fd, 0, os.SEEK_CUR)
    end = os.lseek(fd, 0, os.SEEK_END)
    try:
        data = os.lseek(fd, cur, os.SEEK_DATA)
    except OSError:
        data = end
    if data > cur:
        answer = [False, data - cur]
    elif cur >= end:
        answer = [True, 0]
    else:
        answer = [True, os.lseek(fd, data, os.SEEK_HOLE) - data]
    os.lseek(fd, cur, os.SEEK_SET)
    return answer


def send_skip(stream, length, fd):
    return os.lseek(fd, length, os.SEEK_CUR)


holes_seen = []


def recv_skip(stream, length, fd):
    holes_seen.append(length)
    cur = os.lseek(fd, length, os.SEEK_CUR)
    return os.ftruncate(fd, cur)


vol = volume("sparse.img", 8 * MiB)
st = conn.newStream()
show("upload sparse", vol.upload(st, 0, 0, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM))
fd = os.open(src, os.O_RDONLY)
st.sparseSendAll(read_handler, hole_handler, send_skip, fd)
os.close(fd)
show("finish upload", st.finish())
show("volume equals source", digest(vol.path()) == digest(src))
show("volume holes kept", allocated(vol.path()) < 2 * MiB)

back = os.path.join(work, "back.img")
fd = os.open(back, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
st = conn.newStream()
show("download sparse", vol.download(st, 0, 0, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM))
st.sparseRecvAll(write_handler, recv_skip, fd)
show("finish download", st.finish())
os.close(fd)
show("download equals source", digest(back) == digest(src))
show("holes received", holes_seen)
show("download sections", sections(back))

# recvAll of a window, and recv / recvFlags by hand.
chunks = []
st = conn.newStream()
vol.download(st, 5 * MiB - 10, 20, 0)
st.recvAll(lambda s, buf, acc: acc.append(buf), chunks)
show("window", b"".join(chunks))
show("window finish", st.finish())

st = conn.newStream()
vol.download(st, 0, 0, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
first = st.recvFlags(65536 + 4096, libvirt.VIR_STREAM_RECV_STOP_AT_HOLE)
show("first data", (type(first).__name__, len(first)))
show("at hole", st.recvFlags(4096, libvirt.VIR_STREAM_RECV_STOP_AT_HOLE))
show("hole length", st.recvHole())
show("after hole", len(st.recv(100)))
show("abort", st.abort())

# sendAll with a window, then a plain (not sparse) download of it.
small = volume("small.img", MiB)
st = conn.newStream()
small.upload(st, 4096, 8192, 0)
payload = [b"abc" * 2000, b"xy" * 1096]
st.sendAll(lambda s, n, queue: queue.pop(0) if queue else b"", payload)
show("sendAll finish", st.finish())
st = conn.newStream()
small.download(st, 4090, 20, 0)
show("sendAll landed", st.recv(1024))
st.finish()

# Misuse and failures.
st = conn.newStream()
small.upload(st, 0, 0, 0)
error("hole on a plain upload", lambda: st.sendHole(4096))
st.abort()
error("recv on an unused stream", lambda: conn.newStream().recv(10))


def boom(stream, buf, opaque):
    raise ValueError("handler failed")


st = conn.newStream()
small.download(st, 0, 0, 0)
error("recvAll handler raises", lambda: st.recvAll(boom, None))
st = conn.newStream()
small.download(st, 0, 0, 0)
error("recvAll handler returns -1", lambda: st.recvAll(lambda s, b, o: -1, None))

# A non-blocking download read from an event callback.
got = []
done = []


def on_event(stream, events, acc):
    if not events & libvirt.VIR_STREAM_EVENT_READABLE:
        return
    while True:
        data = stream.recv(65536)
        if data == -2:
            return
        if not data:
            stream.eventRemoveCallback()
            stream.finish()
            done.append(True)
            return
        acc.append(data)


st = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
vol.download(st, 0, 0, 0)
st.eventAddCallback(libvirt.VIR_STREAM_EVENT_READABLE, on_event, got)
rounds = 0
while not done and rounds < 2000:
    libvirt.virEventRunDefaultImpl()
    rounds += 1
show("non-blocking download done", bool(done))
data = b"".join(got)
with open(src, "rb") as f:
    show("non-blocking download equals source", data == f.read())
error("callback on an unused stream", lambda: conn.newStream().eventAddCallback(1, on_event, None))
error("update without a callback", lambda: st.eventUpdateCallback(1))
error("second callback", lambda: (st.eventAddCallback(1, on_event, None), st.eventAddCallback(1, on_event, None)))
error("update", lambda: st.eventUpdateCallback(2))
error("remove twice", lambda: (st.eventRemoveCallback(), st.eventRemoveCallback()))

small.delete(0)
vol.delete(0)
pool.destroy()
pool.delete(0)
pool.undefine()
conn.close()
