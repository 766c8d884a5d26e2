"""virt-rs's own tests of the libvirt module: what libvirt-python's tests do
not cover (the GIL, asyncio, the error plumbing, constants, stubs).

Run by crates/virt-python/tests/python.rs with the built module on
PYTHONPATH; VIRT_REFERENCE_PYTHON names an interpreter with python3-libvirt
for the comparisons (they skip without it).
"""

import ast
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import libvirt
import libvirtaio


def reference(code):
    """Run `code` under python3-libvirt and return its JSON output, or skip."""
    py = os.environ.get("VIRT_REFERENCE_PYTHON")
    if not py:
        raise unittest.SkipTest("no VIRT_REFERENCE_PYTHON (python3-libvirt) to compare with")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([py, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise unittest.SkipTest("python3-libvirt not usable: " + out.stderr.strip()[-200:])
    return json.loads(out.stdout)


class Quiet(unittest.TestCase):
    def setUp(self):
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        self.conn = libvirt.open("test:///default")

    def tearDown(self):
        self.conn.close()
        libvirt.registerErrorHandler(None, None)


class TestGil(Quiet):
    def fifo(self):
        d = tempfile.mkdtemp()
        path = os.path.join(d, "image")
        os.mkfifo(path)
        self.addCleanup(lambda: (os.unlink(path), os.rmdir(d)))
        return path

    def test_other_threads_run_while_a_call_blocks(self):
        # restore() opens a FIFO, which blocks until a writer comes. Only
        # this thread can be that writer: with the GIL held by the blocked
        # call it could never run, and the test would hang (the harness
        # kills it) instead of passing.
        path = self.fifo()
        outcome = []

        def blocked():
            try:
                self.conn.restore(path)
                outcome.append("restored")
            except libvirt.libvirtError as e:
                outcome.append(e.get_error_code())

        t = threading.Thread(target=blocked)
        t.start()
        time.sleep(0.2)
        self.assertTrue(t.is_alive(), "restore returned before anyone wrote the image")
        with open(path, "wb") as w:
            w.write(b"not a saved domain")
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertEqual(len(outcome), 1)
        self.assertNotEqual(outcome[0], "restored")

    def test_asyncio_loop_keeps_running(self):
        path = self.fifo()

        async def main():
            ticks = 0
            impl = libvirtaio.virEventRegisterAsyncIOImpl()
            self.assertIs(libvirtaio.getCurrentImpl(), impl)
            call = asyncio.ensure_future(libvirtaio.call(self.conn.restore, path))
            while ticks < 20:
                await asyncio.sleep(0.01)
                ticks += 1
            self.assertFalse(call.done(), "the call finished without its image")

            def write():
                with open(path, "wb") as w:
                    w.write(b"garbage")

            await asyncio.get_running_loop().run_in_executor(None, write)
            with self.assertRaises(libvirt.libvirtError):
                await call
            # Results come back too, not just errors.
            info = await libvirtaio.call(self.conn.lookupByName("test").info)
            self.assertEqual(info[0], libvirt.VIR_DOMAIN_RUNNING)
            return ticks

        self.assertEqual(asyncio.run(main()), 20)


class TestEvents(Quiet):
    """Event callbacks run on the thread that runs the event loop, with
    libvirt-python's arguments."""

    def run_until(self, got, n, limit=5.0):
        deadline = time.monotonic() + limit
        while len(got) < n and time.monotonic() < deadline:
            libvirt.virEventRunDefaultImpl()

    def test_default_loop_delivers_in_order(self):
        self.assertEqual(libvirt.virEventRegisterDefaultImpl(), 0)
        conn = libvirt.open("test:///default")
        dom = conn.lookupByName("test")
        got = []
        me = threading.get_ident()

        def lifecycle(c, d, event, detail, opaque):
            self.assertIs(c, conn)
            self.assertEqual(threading.get_ident(), me)
            got.append((d.name(), d.ID(), event, detail, opaque))

        def network(c, n, event, detail, opaque):
            got.append((n.name(), event, detail, opaque))

        cb = conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, "mine")
        nb = conn.networkEventRegisterAny(None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, network, 7)
        try:
            dom.destroy()
            dom.create()
            self.run_until(got, 2)
            self.assertEqual(got, [
                ("test", -1, libvirt.VIR_DOMAIN_EVENT_STOPPED,
                 libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED, "mine"),
                ("test", dom.ID(), libvirt.VIR_DOMAIN_EVENT_STARTED,
                 libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED, "mine"),
            ])
        finally:
            conn.domainEventDeregisterAny(cb)
            conn.networkEventDeregisterAny(nb)
        with self.assertRaises(libvirt.libvirtError):
            conn.domainEventDeregisterAny(cb)
        # Nothing is delivered once deregistered.
        dom.destroy()
        dom.create()
        libvirt.virEventRunDefaultImpl()
        self.assertEqual(len(got), 2)
        conn.close()

    def test_a_domain_filter_and_the_old_form(self):
        conn = libvirt.open("test:///default")
        got = []
        xml = ("<domain type='test'><name>evtpy</name><memory>1024</memory>"
               "<os><type>hvm</type></os></domain>")
        other = conn.defineXML(xml)
        conn.domainEventRegister(lambda c, d, e, x, o: got.append((d.name(), e, o)), "old")
        conn.domainEventRegisterAny(other, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                    lambda c, d, e, x, o: got.append((d.name(), e, o)), "any")
        conn.lookupByName("test").suspend()
        conn.lookupByName("test").resume()
        other.undefine()
        self.run_until(got, 4)
        self.assertEqual(got, [
            ("test", libvirt.VIR_DOMAIN_EVENT_SUSPENDED, "old"),
            ("test", libvirt.VIR_DOMAIN_EVENT_RESUMED, "old"),
            ("evtpy", libvirt.VIR_DOMAIN_EVENT_UNDEFINED, "old"),
            ("evtpy", libvirt.VIR_DOMAIN_EVENT_UNDEFINED, "any"),
        ])
        conn.close()

    def test_a_dropped_connection_closes_with_events_queued(self):
        # An event queued for a connection whose callbacks are gone must
        # not keep it open: once the program drops it, test:///default
        # starts afresh, as with python3-libvirt. (libvirt-python's
        # test_aio relies on it between its tests.) Its own process: this
        # class holds a connection open.
        code = """if True:
            import json, time, libvirt
            libvirt.registerErrorHandler(lambda c, e: None, None)
            libvirt.virEventRegisterDefaultImpl()
            c = libvirt.open("test:///default")
            d = c.lookupByName("test")
            cb = c.domainEventRegisterAny(
                d, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lambda *a: None, None)
            d.destroy()
            time.sleep(0.3)  # the event reaches the queue; no loop runs it
            c.domainEventDeregisterAny(cb)
            del d, c
            c = libvirt.open("test:///default")
            print(json.dumps(c.lookupByName("test").state()))
        """
        out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        fresh = [libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_UNKNOWN]
        self.assertEqual(json.loads(out.stdout), fresh)
        if os.environ.get("VIRT_REFERENCE_PYTHON"):
            self.assertEqual(reference(code), fresh)

    def test_bad_registrations_are_refused(self):
        conn = libvirt.open("test:///default")
        with self.assertRaises(libvirt.libvirtError):
            conn.domainEventRegisterAny(None, 99, lambda *a: None, None)
        with self.assertRaises(TypeError):
            conn.domainEventRegisterAny(None, 0, "not callable", None)
        conn.close()


class TestErrors(unittest.TestCase):
    def setUp(self):
        self.conn = libvirt.open("test:///default")

    def tearDown(self):
        libvirt.registerErrorHandler(None, None)

    def test_handler_gets_every_error_and_exception_agrees(self):
        seen = []
        self.assertEqual(libvirt.registerErrorHandler(lambda ctx, err: seen.append((ctx, err)), "ctx"), 1)
        with self.assertRaises(libvirt.libvirtError) as cm:
            self.conn.lookupByName("nosuch")
        e = cm.exception
        self.assertEqual(seen, [("ctx", e.err)])
        self.assertEqual(e.get_error_code(), libvirt.VIR_ERR_NO_DOMAIN)
        self.assertEqual(e.get_error_domain(), libvirt.VIR_FROM_TEST)
        self.assertEqual(e.get_error_level(), libvirt.VIR_ERR_ERROR)
        self.assertEqual(e.get_error_message(), str(e))
        self.assertEqual(len(e.err), 9)
        self.assertEqual((e.get_str1(), e.get_str2(), e.get_str3(), e.get_int1(), e.get_int2()), e.err[4:])

    def test_handler_must_be_callable(self):
        with self.assertRaises(TypeError):
            libvirt.registerErrorHandler(42, None)

    def test_a_raising_handler_does_not_hide_the_error(self):
        def bad(ctx, err):
            raise RuntimeError("handler bug")
        libvirt.registerErrorHandler(bad, None)
        with self.assertRaises(libvirt.libvirtError):
            self.conn.lookupByName("nosuch")

    def test_last_error_is_per_call_and_per_thread(self):
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        with self.assertRaises(libvirt.libvirtError) as cm:
            self.conn.lookupByID(4242)
        self.assertEqual(libvirt.virGetLastError(), cm.exception.err)
        self.assertEqual(libvirt.virGetLastErrorCode(), libvirt.VIR_ERR_NO_DOMAIN)
        self.assertEqual(libvirt.virGetLastErrorDomain(), libvirt.VIR_FROM_TEST)
        other = []
        t = threading.Thread(target=lambda: other.append(libvirt.virGetLastError()))
        t.start()
        t.join()
        self.assertEqual(other, [None])
        self.conn.lookupByName("test")
        self.assertIsNone(libvirt.virGetLastError())
        self.assertEqual(libvirt.virGetLastErrorMessage(), "no error")

    def test_closed_connection_refuses_calls(self):
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        c = libvirt.open("test:///default")
        self.assertEqual(c.close(), 0)
        with self.assertRaises(libvirt.libvirtError) as cm:
            c.lookupByName("test")
        self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_INVALID_CONN)
        self.assertEqual(c.isAlive(), 0)

    def test_bad_arguments(self):
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        with self.assertRaises(libvirt.libvirtError) as cm:
            self.conn.lookupByUUID(b"short")
        self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_INVALID_ARG)
        dom = self.conn.lookupByName("test")
        with self.assertRaises(TypeError):
            dom.pinVcpu(0, 7)
        with self.assertRaises(libvirt.libvirtError) as cm:
            dom.setSchedulerParameters({"nosuch": 1})
        self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_INVALID_ARG)
        self.assertEqual(dom.schedulerParameters(), {"weight": 50})
        with self.assertRaises(TypeError):
            libvirt.openAuth("test:///default", [[], None], 0)


class TestHandles(Quiet):
    def test_identity_equality_and_hash(self):
        a = self.conn.lookupByName("test")
        b = self.conn.lookupByName("test")
        self.assertNotEqual(a, b)
        self.assertEqual(a, a)
        self.assertEqual(len({a: 1, b: 2}), 2)
        self.assertIs(a.connect(), self.conn)

    def test_managed_save_round(self):
        d = self.conn.lookupByName("test")
        self.assertEqual(d.managedSave(libvirt.VIR_DOMAIN_SAVE_PAUSED), 0)
        self.assertEqual(d.hasManagedSaveImage(), 1)
        self.assertEqual(d.state(), [libvirt.VIR_DOMAIN_SHUTOFF, 5])  # SHUTOFF_SAVED
        self.assertEqual(d.managedSaveRemove(), 0)
        self.assertEqual(d.hasManagedSaveImage(), 0)
        self.assertEqual(d.create(), 0)
        with self.assertRaises(libvirt.libvirtError) as cm:
            d.managedSave(libvirt.VIR_DOMAIN_SAVE_RUNNING | libvirt.VIR_DOMAIN_SAVE_PAUSED)
        self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_INVALID_ARG)

    def test_context_manager_closes(self):
        with libvirt.open("test:///default") as c:
            self.assertEqual(c.isAlive(), 1)
        self.assertEqual(c.isAlive(), 0)

    def test_read_only_open_auth(self):
        c = libvirt.openAuth("test:///default", [[libvirt.VIR_CRED_AUTHNAME], None, None],
                             libvirt.VIR_CONNECT_RO)
        with self.assertRaises(libvirt.libvirtError) as cm:
            c.lookupByName("test").suspend()
        self.assertEqual(cm.exception.get_error_code(), libvirt.VIR_ERR_OPERATION_DENIED)


class TestConstants(unittest.TestCase):
    def test_every_constant_matches_python3_libvirt(self):
        ref = reference("import json, libvirt; print(json.dumps({n: getattr(libvirt, n) "
                        "for n in dir(libvirt) if n.startswith('VIR_') "
                        "and isinstance(getattr(libvirt, n), int)}))")
        ours = {n: getattr(libvirt, n) for n in dir(libvirt) if n.startswith("VIR_")}
        self.assertGreater(len(ours), 300)
        wrong = {n: (v, ref.get(n)) for n, v in ours.items() if ref.get(n) != v}
        self.assertEqual(wrong, {})

    def test_method_names_exist_in_python3_libvirt(self):
        classes = ["virConnect", "virDomain", "virNetwork", "virStoragePool", "virStorageVol"]
        ref = reference("import json, libvirt; print(json.dumps({c: dir(getattr(libvirt, c)) "
                        "for c in %r}))" % classes)
        for c in classes:
            ours = {n for n in dir(getattr(libvirt, c)) if not n.startswith("_")}
            self.assertEqual(ours - set(ref[c]), set(), c)


class TestApiMap(unittest.TestCase):
    """api-map.txt names the Python methods serving each driver call; each
    must exist here and, by the same name, in python3-libvirt."""

    def methods(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "api-map.txt")
        with open(path) as f:
            lines = [l.split() for l in f if l.strip() and not l.startswith("#")]
        out = [m for words in lines for m in words[1:] if m != "-"]
        self.assertGreater(len(out), 60)
        return out

    def test_mapped_methods_exist(self):
        for m in self.methods():
            cls, name = m.split(".")
            self.assertTrue(hasattr(getattr(libvirt, cls), name), m)

    def test_mapped_methods_exist_in_python3_libvirt(self):
        methods = self.methods()
        ref = reference("import json, libvirt; print(json.dumps([m for m in %r "
                        "if not hasattr(getattr(libvirt, m.split('.')[0]), m.split('.')[1])]))" % methods)
        self.assertEqual(ref, [])


class TestStubs(unittest.TestCase):
    def test_stub_declares_every_public_name(self):
        stub = os.path.join(os.path.dirname(libvirt.__file__), "libvirtmod.pyi")
        with open(stub) as f:
            tree = ast.parse(f.read())
        declared = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                declared[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
            elif isinstance(node, ast.FunctionDef):
                declared[node.name] = None
            elif isinstance(node, ast.AnnAssign):
                declared[node.target.id] = None
        mod = libvirt.libvirtmod
        for name in dir(mod):
            if name.startswith("_"):
                continue
            self.assertIn(name, declared, name)
            obj = getattr(mod, name)
            if isinstance(obj, type):
                public = {n for n in vars(obj) if not n.startswith("_")}
                self.assertEqual(public - declared[name], set(), name)


if __name__ == "__main__":
    unittest.main()
