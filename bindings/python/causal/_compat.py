"""Optional numpy/pandas support and array marshalling.

numpy is optional. When it is importable, inputs may be numpy arrays (passed
zero-copy when they already have the C type and are C-contiguous and
aligned; converted otherwise) and outputs are numpy arrays. Without numpy,
inputs may be lists, tuples, ``array.array`` or any buffer-protocol object
(``memoryview``, ``bytes``...) and outputs are lists.

The module-level ``_np`` is looked up on every call, so tests (or users who
want plain lists) can switch numpy off with ``causal._compat.set_numpy(False)``.
Setting the environment variable ``CAUSAL_NO_NUMPY=1`` before import does
the same.
"""

import array
import ctypes
import os

try:
    if os.environ.get("CAUSAL_NO_NUMPY"):
        raise ImportError("disabled by CAUSAL_NO_NUMPY")
    import numpy as _np_module
except ImportError:  # pragma: no cover - exercised by a subprocess test
    _np_module = None

_np = _np_module

#: typecode -> (ctypes type, numpy dtype name, item size)
_TYPES = {
    "d": (ctypes.c_double, "float64", 8),
    "q": (ctypes.c_int64, "int64", 8),
    "Q": (ctypes.c_uint64, "uint64", 8),
    "B": (ctypes.c_uint8, "uint8", 1),
    "i": (ctypes.c_int32, "int32", 4),
}
assert array.array("q").itemsize == 8 and array.array("i").itemsize == 4


def numpy():
    """The numpy module, or None when numpy is absent or switched off."""
    return _np


def set_numpy(enabled):
    """Switch numpy use on or off (off forces the list/buffer code path).
    Returns the previous setting. Switching on needs numpy installed."""
    global _np
    prev = _np is not None
    if enabled and _np_module is None:
        raise ImportError("numpy is not installed")
    _np = _np_module if enabled else None
    return prev


def pandas():
    """The pandas module, or None (pandas needs numpy)."""
    if _np is None:
        return None
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return None
    return pd


# Empty arrays are passed as a valid, non-NULL pointer to this scratch
# buffer (never written: C functions touch no element when n = 0).
_EMPTY = (ctypes.c_double * 2)()


def cptr(addr, tc):
    """A typed ctypes pointer to address ``addr`` (None -> a valid pointer to
    an empty scratch buffer, for zero-length arrays)."""
    ct = _TYPES[tc][0]
    if addr is None:
        addr = ctypes.addressof(_EMPTY)
    return ctypes.cast(ctypes.c_void_p(addr), ctypes.POINTER(ct))


def null(tc):
    """A NULL pointer of typecode ``tc`` (optional C arguments)."""
    return ctypes.POINTER(_TYPES[tc][0])()


class In:
    """A read-only C view of an input: ``ptr`` (typed pointer), ``n``
    (elements), ``shape`` (None for a scalar input) and ``keep`` (the object
    owning the memory; hold it while C uses the pointer). ``copied`` tells
    whether the data had to be converted."""

    __slots__ = ("ptr", "n", "shape", "keep", "copied", "addr")

    def __init__(self, keep, addr, n, shape, tc, copied):
        self.keep = keep
        self.addr = addr
        self.n = n
        self.shape = shape
        self.copied = copied
        self.ptr = cptr(addr if n > 0 else None, tc)


def _is_scalar(x):
    return isinstance(x, (int, float, bool)) or (
        _np is not None and _np.ndim(x) == 0 and not isinstance(x, (str, bytes))
    )


def _check_integral_np(arr, what):
    if arr.dtype.kind == "f":
        bad = ~_np.isfinite(arr) | (arr != _np.floor(arr))
        if bad.any():
            i = int(_np.flatnonzero(bad.ravel())[0])
            raise ValueError("%s[%d] = %r is not an integer"
                             % (what, i, arr.ravel()[i].item()))
    elif arr.dtype.kind not in "iub":
        raise TypeError("%s must hold integers, not %s" % (what, arr.dtype))


def as_input(x, tc, what="x", allow_scalar=False, ndim=None):
    """Marshal ``x`` for reading by C as elements of typecode ``tc``.

    Zero-copy for a numpy array of the exact dtype that is C-contiguous and
    aligned, and for an ``array.array`` of the same typecode. ``ndim``
    (optional) requires a number of dimensions (numpy path)."""
    ct, dtname, size = _TYPES[tc]
    if allow_scalar and _is_scalar(x):
        if tc in "qQBi" and isinstance(x, float) and not x.is_integer():
            raise ValueError("%s = %r is not an integer" % (what, x))
        buf = (ct * 1)(x if tc == "d" else int(x))
        return In(buf, ctypes.addressof(buf), 1, None, tc, True)
    if _np is not None:
        arr = _np.asarray(x)
        if ndim is not None and arr.ndim != ndim:
            raise ValueError("%s must be %d-dimensional, got shape %s"
                             % (what, ndim, arr.shape))
        if arr.dtype.kind in "OUS" and tc != "d":
            raise TypeError("%s must hold numbers, not %s" % (what, arr.dtype))
        copied = False
        if arr.dtype != _np.dtype(dtname) or not arr.flags.c_contiguous \
                or not arr.flags.aligned:
            if tc != "d" and arr.dtype != _np.dtype(dtname):
                _check_integral_np(arr, what)
            try:
                arr = _np.ascontiguousarray(arr, dtype=dtname)
            except (TypeError, ValueError) as e:
                raise TypeError("%s cannot be converted to %s: %s"
                                % (what, dtname, e)) from None
            copied = True
        addr = arr.ctypes.data if arr.size else None
        return In(arr, addr, int(arr.size), arr.shape, tc, copied)
    # No numpy: array.array of the right type is used in place.
    if isinstance(x, array.array) and x.typecode == tc:
        addr = x.buffer_info()[0] if len(x) else None
        return In(x, addr, len(x), (len(x),), tc, False)
    if isinstance(x, str):
        raise TypeError("%s must be a sequence of numbers, not str" % what)
    try:
        mv = memoryview(x)
    except TypeError:
        mv = None
    if mv is not None:
        if mv.ndim > 1:
            raise ValueError("%s must be 1-dimensional without numpy" % what)
        if mv.format in (tc, "<" + tc, "=" + tc, "@" + tc):
            a = array.array(tc)
            a.frombytes(mv.tobytes())
        else:
            a = array.array(tc, [_coerce(v, tc, what, i)
                                 for i, v in enumerate(mv.tolist())])
    else:
        try:
            seq = list(x)
        except TypeError:
            raise TypeError("%s must be a number sequence or buffer, not %s"
                            % (what, type(x).__name__)) from None
        a = array.array(tc, [_coerce(v, tc, what, i)
                             for i, v in enumerate(seq)])
    addr = a.buffer_info()[0] if len(a) else None
    return In(a, addr, len(a), (len(a),), tc, True)


def _coerce(v, tc, what, i):
    if tc == "d":
        if v is None:
            return float("nan")
        try:
            return float(v)
        except (TypeError, ValueError):
            raise TypeError("%s[%d] = %r is not a number" % (what, i, v)) \
                from None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    raise TypeError("%s[%d] = %r is not an integer" % (what, i, v))


class Out:
    """A C output buffer of ``n`` elements of typecode ``tc``."""

    __slots__ = ("obj", "ptr", "n", "tc")

    def __init__(self, n, tc):
        self.n = n
        self.tc = tc
        if _np is not None:
            self.obj = _np.empty(n, dtype=_TYPES[tc][1])
            addr = self.obj.ctypes.data if n else None
        else:
            self.obj = array.array(tc, bytes(n * _TYPES[tc][2]))
            addr = self.obj.buffer_info()[0] if n else None
        self.ptr = cptr(addr, tc)

    def result(self, shape=None):
        """numpy array (reshaped to ``shape``) or list; a scalar Python
        value if ``shape`` is None and the input was a scalar."""
        if _np is not None:
            if shape is None:
                return self.obj[0].item()
            return self.obj.reshape(shape)
        if shape is None:
            return self.obj[0]
        return self.obj.tolist()


def copy_from(addr, n, tc):
    """Copy ``n`` elements at C address ``addr`` to a numpy array or list."""
    size = _TYPES[tc][2]
    raw = ctypes.string_at(addr, n * size) if n else b""
    if _np is not None:
        return _np.frombuffer(raw, dtype=_TYPES[tc][1]).copy()
    a = array.array(tc)
    a.frombytes(raw)
    return a.tolist()


def addr_of(p):
    """Integer address of a ctypes pointer (None for NULL)."""
    v = ctypes.cast(p, ctypes.c_void_p).value
    return v


def encode(s, what="name"):
    if isinstance(s, bytes):
        return s
    if not isinstance(s, str):
        raise TypeError("%s must be str, not %s" % (what, type(s).__name__))
    return s.encode("utf-8")


def decode(b):
    return None if b is None else b.decode("utf-8", "replace")


def names_array(names, what="names", allow_none=False):
    """``const char *const *`` from a sequence of str (None -> NULL if
    ``allow_none``). Returns the ctypes array (keep it alive)."""
    enc = []
    for i, s in enumerate(names):
        if s is None:
            if not allow_none:
                raise TypeError("%s[%d] is None" % (what, i))
            enc.append(None)
        else:
            enc.append(encode(s, "%s[%d]" % (what, i)))
    return (ctypes.c_char_p * len(enc))(*enc)
