"""libvirt's Python API (libvirt-python's names and shapes) over virt-rs.

The classes, module functions and VIR_* constants come from the native
module ``libvirt.libvirtmod``; this file adds what libvirt-python writes in
Python: the ``libvirtError`` exception and ``registerErrorHandler``.
"""

from typing import Any, Callable, Optional, Tuple, TypeVar

from . import libvirtmod
from .libvirtmod import *  # noqa: F401,F403  (classes, functions, VIR_* constants)
from .libvirtmod import (  # noqa: F401  (named for readers and type checkers)
    getVersion,
    open,
    openAuth,
    openReadOnly,
    virConnect,
    virDomain,
    virDomainCheckpoint,
    virDomainSnapshot,
    virGetLastError,
    virGetLastErrorCode,
    virGetLastErrorDomain,
    virGetLastErrorMessage,
    virInterface,
    virNetwork,
    virNodeDevice,
    virResetLastError,
    virStoragePool,
    virStorageVol,
    virStream,
)

# The types libvirt-python's event loop functions are annotated with.
_T = TypeVar("_T")
_EventCB = Callable[[int, int, int, _T], None]
_TimerCB = Callable[[int, _T], None]

# (code, domain, message, level, str1, str2, str3, int1, int2)
_RawError = Tuple[int, int, str, int, Optional[str], Optional[str], Optional[str], int, int]


class libvirtError(Exception):
    """An error reported by a libvirt call.

    ``err`` is the thread's last error when it was raised, as the tuple
    ``(code, domain, message, level, str1, str2, str3, int1, int2)``, or
    None; the accessors read its fields.
    """

    def __init__(self, defmsg: str) -> None:
        err = libvirtmod.virGetLastError()  # type: Optional[_RawError]
        Exception.__init__(self, defmsg if err is None else err[2])
        self.err = err

    def _field(self, i: int) -> Any:
        return None if self.err is None else self.err[i]

    def get_error_code(self) -> Optional[int]:
        """The error number (``VIR_ERR_*``)."""
        return self._field(0)

    def get_error_domain(self) -> Optional[int]:
        """Where the error came from (``VIR_FROM_*``)."""
        return self._field(1)

    def get_error_message(self) -> Optional[str]:
        """The full message."""
        return self._field(2)

    def get_error_level(self) -> Optional[int]:
        """``VIR_ERR_WARNING`` or ``VIR_ERR_ERROR``."""
        return self._field(3)

    def get_str1(self) -> Optional[str]:
        """The first extra string (often the message template)."""
        return self._field(4)

    def get_str2(self) -> Optional[str]:
        """The second extra string."""
        return self._field(5)

    def get_str3(self) -> Optional[str]:
        """The third extra string."""
        return self._field(6)

    def get_int1(self) -> Optional[int]:
        """The first extra number."""
        return self._field(7)

    def get_int2(self) -> Optional[int]:
        """The second extra number."""
        return self._field(8)


def registerErrorHandler(f: Optional[Callable[[Any, _RawError], None]], ctx: Any) -> int:
    """Call ``f(ctx, err)`` with every error instead of printing it to
    stderr; ``f=None`` restores printing. Returns 1."""
    return libvirtmod.virRegisterErrorHandler(f, ctx)
