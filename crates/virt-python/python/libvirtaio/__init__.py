"""asyncio for the libvirt module.

virt-rs releases the GIL around every driver call, so a call run in a
thread never stalls the event loop or other threads. This module gives
the loop-side half:

- ``virEventRegisterAsyncIOImpl(loop=None)`` chooses the loop (the running
  one by default) that the awaitable helpers use, as libvirt-python's
  libvirtaio does for its event implementation, and returns the
  implementation object.
- ``await call(func, *args)`` (or ``getCurrentImpl().call(...)``) runs any
  blocking libvirt call in the implementation's thread pool and returns its
  result or raises its ``libvirtError``.

Domain events are not served yet: the event callbacks of libvirt-python's
libvirtaio (``virEventRegisterImpl``) arrive with virt-rs's event issue.
"""

import asyncio
import concurrent.futures
import functools
from typing import Any, Callable, Optional, TypeVar

__all__ = [
    "virEventAsyncIOImpl",
    "virEventRegisterAsyncIOImpl",
    "getCurrentImpl",
    "call",
]

_T = TypeVar("_T")


class virEventAsyncIOImpl:
    """Runs blocking libvirt calls for one asyncio loop."""

    def __init__(self, loop: Optional[asyncio.AbstractEventLoop] = None,
                 max_workers: Optional[int] = None) -> None:
        self.loop = loop
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="libvirtaio")

    def _loop(self) -> asyncio.AbstractEventLoop:
        return self.loop if self.loop is not None else asyncio.get_running_loop()

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
    loop when None, replacing any earlier one."""
    global _current_impl
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
    _current_impl = virEventAsyncIOImpl(loop=loop)
    return _current_impl


async def call(func: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Await a blocking libvirt call: ``await call(dom.create)``. Uses the
    registered implementation, registering one for the running loop first
    when there is none."""
    impl = _current_impl
    if impl is None:
        impl = virEventRegisterAsyncIOImpl()
    return await impl.call(func, *args, **kwargs)
