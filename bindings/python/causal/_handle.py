"""Base class for objects that own a libcausal handle.

The C object is freed exactly once: by ``close()``, by leaving a ``with``
block, or when the Python object is garbage-collected (``weakref.finalize``),
whichever comes first. The finalizer also holds every Python object whose
memory the C object borrows (``_keep``), so borrowed buffers outlive the C
object. libcausal objects keep what they need of their parents, so the order
in which related objects are freed does not matter.
"""

import ctypes
import weakref

from . import _lib


def _free(free_name, addr, keep):
    # keep: borrowed Python buffers; released only after the C free.
    _lib.fn(free_name)(ctypes.c_void_p(addr))
    del keep


class Handle:
    """Owner of one C handle (``self._h`` is a ``c_void_p``)."""

    _free_name = None  # C destructor, set by subclasses
    _type_name = "object"

    def _adopt(self, ptr, keep=None):
        """Take ownership of C pointer ``ptr`` (a c_void_p / int)."""
        addr = ptr.value if isinstance(ptr, ctypes.c_void_p) else ptr
        if not addr:
            raise RuntimeError("libcausal returned a NULL %s" % self._type_name)
        self._h = ctypes.c_void_p(addr)
        self._keep = keep if keep is not None else []
        self._finalizer = weakref.finalize(self, _free, self._free_name, addr,
                                           self._keep)

    @property
    def _handle(self):
        """The live C handle; raises ValueError after close()."""
        f = getattr(self, "_finalizer", None)
        if f is None or not f.alive:
            raise ValueError("this %s is closed" % self._type_name)
        return self._h

    @property
    def closed(self):
        """True once the C object has been freed."""
        f = getattr(self, "_finalizer", None)
        return f is None or not f.alive

    def close(self):
        """Free the C object now. Safe to call more than once."""
        f = getattr(self, "_finalizer", None)
        if f is not None:
            f()

    def __enter__(self):
        self._handle  # raises if closed
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def new_out():
    """An out-parameter for creators (``T **out``)."""
    return ctypes.c_void_p()
