"""Mergeable moments: means, variances, covariances in one pass, in chunks,
merged across partitions exactly (Chan-Golub-LeVeque)."""

import ctypes

from . import _compat, _lib
from ._handle import Handle, new_out

__all__ = ["Moments"]

COUNT, SUM_WEIGHTS, SUM_WEIGHTS2, MEAN, SUM, MIN, MAX, VAR, VAR_POP, \
    VAR_RELIABILITY, SD, COMOMENT, COV, CORR, CROSSPROD = range(1, 16)


def _from_bytes(data):
    """Unpickling helper (module-level so pickle can find it)."""
    return Moments.from_bytes(data)


class Moments(Handle):
    """Weighted moments of p variables, mergeable and serializable.

    ``m.update(x, weights=None)`` adds rows: ``x`` is 1-D (p = 1) or 2-D
    (n rows x p columns). numpy float64 arrays in C or Fortran order (or any
    positive-stride view) are read in place through their strides; other
    inputs are converted. ``m.merge(other)`` adds another state in place;
    ``a + b`` returns a new merged state. Results are the same as one pass
    over all the data, to rounding.

    Per-variable properties (arrays of length p): ``mean``, ``sum``,
    ``var`` (frequency weights: C_jj / (W - 1), the sample variance when
    unweighted), ``var_pop``, ``var_reliability``, ``sd``, ``min``, ``max``.
    p x p matrices: ``cov``, ``corr``, ``comoment``, ``crossprod``.
    Scalars: ``count`` (int rows), ``sum_weights``, ``sum_weights2``.
    Quantities that need more data than seen raise InvalidArgumentError.

    ``to_bytes()``/``Moments.from_bytes()`` give the library's versioned
    byte form; pickling and ``copy.copy`` use it / ``causal_moments_clone``.
    """

    _free_name = "causal_moments_free"
    _type_name = "Moments"

    def __init__(self, p=1):
        if isinstance(p, bool) or not isinstance(p, int):
            raise TypeError("p must be an int")
        if p < 0:
            raise ValueError("p = %d must be >= 1" % p)
        out = new_out()
        _lib.call("causal_moments_new", ctypes.byref(out), p)
        self._adopt(out)

    @classmethod
    def _wrap(cls, out):
        m = cls.__new__(cls)
        m._adopt(out)
        return m

    @property
    def p(self):
        """Number of variables."""
        return _lib.fn("causal_moments_nvars")(self._handle)

    nvars = p

    def __repr__(self):
        if self.closed:
            return "<causal.Moments (closed)>"
        return "<causal.Moments p=%d count=%d>" % (self.p, self.count)

    # ---- accumulation ----
    def update(self, x, weights=None):
        """Add the rows of x (1-D for p = 1, or n x p). ``weights``: None or
        n finite non-negative weights. On error the state is unchanged.
        Returns self."""
        h = self._handle
        p = self.p
        keep, ptr, n, rs, cs = self._rows(x, p)
        w = None
        wptr = _compat.null("d")
        if weights is not None:
            w = _compat.as_input(weights, "d", "weights")
            if w.n != n:
                from .errors import DimensionError
                raise DimensionError(
                    "Moments.update: weights has %d values for %d rows"
                    % (w.n, n), -12)
            wptr = w.ptr
        _lib.call("causal_moments_update", h, ptr, n, rs, cs, wptr)
        del keep, w
        return self

    @staticmethod
    def _rows(x, p):
        """(keepalive, pointer, n, row_stride, col_stride) for x."""
        np = _compat.numpy()
        if np is not None:
            a = np.asarray(x)
            if a.ndim == 1:
                if p != 1:
                    from .errors import DimensionError
                    raise DimensionError(
                        "Moments.update: 1-D x needs p = 1, this state has "
                        "p = %d" % p, -12)
                a = a[:, None]
            if a.ndim != 2:
                raise ValueError("Moments.update: x must be 1-D or 2-D, got "
                                 "shape %s" % (a.shape,))
            if a.shape[1] != p:
                from .errors import DimensionError
                raise DimensionError(
                    "Moments.update: x has %d columns, this state has p = %d"
                    % (a.shape[1], p), -12)
            if a.dtype != np.float64 or not a.flags.aligned or \
                    not _strides_ok(a):
                a = np.ascontiguousarray(a, dtype=np.float64)
            n = a.shape[0]
            rs, cs = _elem_strides(a)
            addr = a.ctypes.data if a.size else None
            return a, _compat.cptr(addr, "d"), n, rs, cs
        # No numpy: a flat sequence (p = 1) or a sequence of rows.
        seq = x.tolist() if isinstance(x, memoryview) else list(x)
        if seq and isinstance(seq[0], (list, tuple, memoryview)) or (
                seq and hasattr(seq[0], "__len__") and
                not isinstance(seq[0], (str, bytes))):
            rows = [list(r) for r in seq]
            for i, r in enumerate(rows):
                if len(r) != p:
                    from .errors import DimensionError
                    raise DimensionError(
                        "Moments.update: row %d has %d values, this state has "
                        "p = %d" % (i, len(r), p), -12)
            flat = [v for r in rows for v in r]
            n = len(rows)
        else:
            if p != 1:
                from .errors import DimensionError
                raise DimensionError(
                    "Moments.update: a flat sequence needs p = 1, this state "
                    "has p = %d" % p, -12)
            flat = seq
            n = len(seq)
        buf = _compat.as_input(flat, "d", "x")
        return buf, buf.ptr, n, p, 1

    def merge(self, other):
        """Add the state ``other`` (same p) into this one. Returns self."""
        if not isinstance(other, Moments):
            raise TypeError("can only merge a Moments, not %s"
                            % type(other).__name__)
        _lib.call("causal_moments_merge", self._handle, other._handle)
        return self

    def __add__(self, other):
        if not isinstance(other, Moments):
            return NotImplemented
        return self.copy().merge(other)

    def __iadd__(self, other):
        if not isinstance(other, Moments):
            return NotImplemented
        return self.merge(other)

    def reset(self):
        """Back to the empty state. Returns self."""
        _lib.call("causal_moments_reset", self._handle)
        return self

    def copy(self):
        """An independent copy (``causal_moments_clone``)."""
        out = new_out()
        _lib.call("causal_moments_clone", ctypes.byref(out), self._handle)
        return Moments._wrap(out)

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    # ---- serialization ----
    def to_bytes(self):
        """The versioned, little-endian, checksummed byte form."""
        buf = ctypes.c_void_p()
        n = ctypes.c_size_t()
        _lib.call("causal_moments_serialize", self._handle, ctypes.byref(buf),
                  ctypes.byref(n))
        try:
            return ctypes.string_at(buf, n.value)
        finally:
            _lib.fn("causal_free")(buf)

    @classmethod
    def from_bytes(cls, data):
        """Rebuild a state from :meth:`to_bytes` output. Corrupt or truncated
        input raises CorruptDataError, a newer format VersionError."""
        data = bytes(data)
        buf = (ctypes.c_uint8 * max(1, len(data))).from_buffer_copy(
            data or b"\0")
        out = new_out()
        _lib.call("causal_moments_deserialize", ctypes.byref(out), buf,
                  len(data))
        return cls._wrap(out)

    def __reduce__(self):
        return (_from_bytes, (self.to_bytes(),))

    # ---- quantities ----
    def get(self, what, length):
        """Raw ``causal_moments_get``: quantity code ``what`` (see
        include/causal/stats.h) with ``length`` values."""
        out = _compat.Out(length, "d")
        _lib.call("causal_moments_get", self._handle, int(what), out.ptr,
                  length)
        return out

    def _scalar(self, what):
        return float(self.get(what, 1).result(None))

    def _vector(self, what):
        p = self.p
        return self.get(what, p).result((p,))

    def _matrix(self, what):
        p = self.p
        out = self.get(what, p * p)
        np = _compat.numpy()
        if np is not None:
            # column-major p x p; the matrices are symmetric but keep order
            return out.obj.reshape((p, p)).T.copy()
        flat = out.result((p * p,))
        return [[flat[j * p + i] for j in range(p)] for i in range(p)]

    @property
    def count(self):
        """Rows seen (int)."""
        return int(self._scalar(COUNT))

    @property
    def sum_weights(self):
        """Sum of weights W (float)."""
        return self._scalar(SUM_WEIGHTS)

    @property
    def sum_weights2(self):
        """Sum of squared weights (float)."""
        return self._scalar(SUM_WEIGHTS2)

    mean = property(lambda self: self._vector(MEAN), doc="Weighted means (p).")
    sum = property(lambda self: self._vector(SUM), doc="W * mean (p).")
    min = property(lambda self: self._vector(MIN), doc="Minimum (p).")
    max = property(lambda self: self._vector(MAX), doc="Maximum (p).")
    var = property(lambda self: self._vector(VAR),
                   doc="C_jj / (W - 1): sample variance (p).")
    var_pop = property(lambda self: self._vector(VAR_POP),
                       doc="C_jj / W (p).")
    var_reliability = property(lambda self: self._vector(VAR_RELIABILITY),
                               doc="C_jj / (W - W2/W) (p).")
    sd = property(lambda self: self._vector(SD), doc="sqrt(var) (p).")
    comoment = property(lambda self: self._matrix(COMOMENT),
                        doc="Co-moment matrix C (p x p).")
    cov = property(lambda self: self._matrix(COV),
                   doc="Covariance C / (W - 1) (p x p).")
    corr = property(lambda self: self._matrix(CORR),
                    doc="Correlation matrix (p x p).")
    crossprod = property(lambda self: self._matrix(CROSSPROD),
                         doc="sum_i w_i x_i x_i' (p x p).")


def _strides_ok(a):
    return all(s > 0 and s % 8 == 0 for s, d in zip(a.strides, a.shape)
               if d > 1)


def _elem_strides(a):
    """Element strides of a 2-D float64 array whose axes of length > 1 have
    positive strides. numpy leaves the stride of a length-1 axis arbitrary;
    give it the value of a compact layout (never read by C)."""
    n, p = a.shape
    if n > 1 and p > 1:
        return a.strides[0] // 8, a.strides[1] // 8
    if n > 1:  # one column: col_stride is ignored by C
        rs = a.strides[0] // 8
        return rs, rs * n
    if p > 1:  # one row
        cs = a.strides[1] // 8
        return cs * p, cs
    return 1, 1
