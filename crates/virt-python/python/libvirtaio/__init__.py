"""asyncio for the libvirt module, as libvirt-python's libvirtaio.

``virEventRegisterAsyncIOImpl(loop=None)`` makes an asyncio loop (the
running one by default) libvirt's event loop: event callbacks registered
on connections (``domainEventRegisterAny`` and friends) then run on that
loop's thread. The module registers a handle (a socket that becomes
readable when events wait) through ``libvirt.virEventRegisterImpl`` while
any callback is registered, and this implementation watches it with
``loop.add_reader``; timeouts are served with ``loop.call_later``.

virt-rs also releases the GIL around every call, so a blocking call run
in a thread never stalls the loop: ``await call(func, *args)`` runs one in
the implementation's thread pool.
"""

import asyncio
import concurrent.futures
import functools
import itertools
from typing import Any, Callable, Dict, Optional, TypeVar

import libvirt

__all__ = [
    "virEventAsyncIOImpl",
    "virEventRegisterAsyncIOImpl",
    "getCurrentImpl",
    "call",
]

_T = TypeVar("_T")


class _Callback:
    """A handle or timeout libvirt registered, by its id."""

    _ids = itertools.count(1)

    def __init__(self, impl: "virEventAsyncIOImpl", cb: Callable[..., Any], opaque: Any) -> None:
        self.iden = next(self._ids)
        self.impl = impl
        self.cb = cb
        self.opaque = opaque

    def close(self) -> None:
        libvirt.virEventInvokeFreeCallback(self.opaque)


class _HandleCallback(_Callback):
    def __init__(self, impl: "virEventAsyncIOImpl", fd: int, event: int,
                 cb: Callable[..., Any], opaque: Any) -> None:
        super().__init__(impl, cb, opaque)
        self.fd = fd
        self.event = event

    def ready(self, event: int) -> None:
        if self.event & event:
            libvirt.virEventInvokeHandleCallback(self.iden, self.fd, event, self.cb, self.opaque)


class _TimeoutCallback(_Callback):
    def __init__(self, impl: "virEventAsyncIOImpl", timeout: int,
                 cb: Callable[..., Any], opaque: Any) -> None:
        super().__init__(impl, cb, opaque)
        self.timeout = timeout
        self._handle: Optional[asyncio.TimerHandle] = None

    def schedule(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self.timeout >= 0:
            self._handle = self.impl._loop().call_later(self.timeout / 1000.0, self._fire)

    def _fire(self) -> None:
        self._handle = None
        libvirt.virEventInvokeTimeoutCallback(self.iden, self.cb, self.opaque)
        if self.iden in self.impl.callbacks:
            self.schedule()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        super().close()


class virEventAsyncIOImpl:
    """libvirt's event loop on an asyncio loop."""

    def __init__(self, loop: Optional[asyncio.AbstractEventLoop] = None,
                 max_workers: Optional[int] = None) -> None:
        self.loop = loop
        self.callbacks: Dict[int, _Callback] = {}
        self._watched: Dict[int, int] = {}  # fd -> events watched on the loop
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="libvirtaio")

    def _loop(self) -> asyncio.AbstractEventLoop:
        return self.loop if self.loop is not None else asyncio.get_event_loop()

    def register(self) -> "virEventAsyncIOImpl":
        """Make this libvirt's event loop implementation."""
        libvirt.virEventRegisterImpl(
            self._add_handle, self._update_handle, self._remove_handle,
            self._add_timeout, self._update_timeout, self._remove_timeout)
        return self

    def is_idle(self) -> bool:
        """True when libvirt has no handle or timeout registered here and
        no event waits."""
        registrations, waiting = libvirt.libvirtmod._virEventState()
        return not self.callbacks and not waiting

    async def drain(self) -> None:
        """Wait until the events already queued have been delivered."""
        while libvirt.libvirtmod._virEventState()[1]:
            await asyncio.sleep(0.001)

    # Handles: watched with add_reader / add_writer.

    def _rewatch(self, fd: int) -> None:
        want = 0
        for c in self.callbacks.values():
            if isinstance(c, _HandleCallback) and c.fd == fd:
                want |= c.event
        have = self._watched.get(fd, 0)
        loop = self._loop()
        readable = libvirt.VIR_EVENT_HANDLE_READABLE
        writable = libvirt.VIR_EVENT_HANDLE_WRITABLE
        if want & readable and not have & readable:
            loop.add_reader(fd, self._ready, fd, readable)
        if have & readable and not want & readable:
            loop.remove_reader(fd)
        if want & writable and not have & writable:
            loop.add_writer(fd, self._ready, fd, writable)
        if have & writable and not want & writable:
            loop.remove_writer(fd)
        if want:
            self._watched[fd] = want
        else:
            self._watched.pop(fd, None)

    def _ready(self, fd: int, event: int) -> None:
        for c in list(self.callbacks.values()):
            if isinstance(c, _HandleCallback) and c.fd == fd:
                c.ready(event)

    def _add_handle(self, fd: int, event: int, cb: Callable[..., Any], opaque: Any) -> int:
        c = _HandleCallback(self, fd, event, cb, opaque)
        self.callbacks[c.iden] = c
        self._rewatch(fd)
        return c.iden

    def _update_handle(self, watch: int, event: int) -> None:
        c = self.callbacks.get(watch)
        if isinstance(c, _HandleCallback):
            c.event = event
            self._rewatch(c.fd)

    def _remove(self, iden: int) -> int:
        c = self.callbacks.pop(iden, None)
        if c is None:
            return -1
        if isinstance(c, _HandleCallback):
            self._rewatch(c.fd)
        c.close()
        return 0

    def _remove_handle(self, watch: int) -> int:
        return self._remove(watch)

    # Timeouts: call_later, again after each firing while registered.

    def _add_timeout(self, timeout: int, cb: Callable[..., Any], opaque: Any) -> int:
        c = _TimeoutCallback(self, timeout, cb, opaque)
        self.callbacks[c.iden] = c
        c.schedule()
        return c.iden

    def _update_timeout(self, timer: int, timeout: int) -> None:
        c = self.callbacks.get(timer)
        if isinstance(c, _TimeoutCallback):
            c.timeout = timeout
            c.schedule()

    def _remove_timeout(self, timer: int) -> int:
        # libvirt-python removes handles and timeouts from one table: ids
        # never collide, and either removal finds either kind.
        return self._remove(timer)

    # Blocking calls, awaited.

    async def call(self, func: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run ``func(*args, **kwargs)`` in the pool and await its result."""
        return await self._loop().run_in_executor(
            self._executor, functools.partial(func, *args, **kwargs))

    def close(self) -> None:
        """Stop the pool once its calls have finished."""
        self._executor.shutdown(wait=True)


_current_impl: Optional[virEventAsyncIOImpl] = None


def getCurrentImpl() -> Optional[virEventAsyncIOImpl]:
    """The implementation last registered, or None."""
    return _current_impl


def virEventRegisterAsyncIOImpl(loop: Optional[asyncio.AbstractEventLoop] = None) -> virEventAsyncIOImpl:
    """Register (and return) the implementation for ``loop``, the running
    loop (or this thread's) when None, replacing any earlier one."""
    global _current_impl
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
    _current_impl = virEventAsyncIOImpl(loop=loop).register()
    return _current_impl


async def call(func: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Await a blocking libvirt call: ``await call(dom.create)``. Uses the
    registered implementation, registering one for the running loop first
    when there is none."""
    impl = _current_impl
    if impl is None:
        impl = virEventRegisterAsyncIOImpl()
    return await impl.call(func, *args, **kwargs)
