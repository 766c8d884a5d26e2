"""``import libvirtmod``: libvirt-python installs its native module at the
top level too, and some code (libvirt-python's own tests) imports it by
that name. This is the same module as ``libvirt.libvirtmod``."""

from libvirt.libvirtmod import *  # noqa: F401,F403
