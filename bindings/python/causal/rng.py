"""The library's PCG64 random generator."""

import ctypes

from . import _compat, _lib
from ._handle import Handle, new_out

__all__ = ["Rng"]

_M64 = (1 << 64) - 1
_M128 = (1 << 128) - 1


def _u64(v, what):
    if isinstance(v, bool) or not isinstance(v, int):
        try:
            import operator
            v = operator.index(v)
        except TypeError:
            raise TypeError("%s must be an int, not %s"
                            % (what, type(v).__name__)) from None
    if not 0 <= v <= _M64:
        raise ValueError("%s = %d is outside [0, 2^64)" % (what, v))
    return v


def _u128(v, what):
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError("%s must be an int, not %s" % (what, type(v).__name__))
    if not 0 <= v <= _M128:
        raise ValueError("%s = %d is outside [0, 2^128)" % (what, v))
    return v >> 64, v & _M64


def _count(n):
    if n is None:
        return None
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("n must be an int or None, not %s" % type(n).__name__)
    if n < 0:
        raise ValueError("n = %d must be >= 0" % n)
    return n


class Rng(Handle):
    """PCG64 generator (bit-for-bit numpy's PCG64 given the same state/inc).

    ``Rng(seed, stream=0)`` seeds like ``pcg_setseq_128_srandom_r`` (see
    include/causal/rng.h); seed and stream are integers in [0, 2^64).

    Draw methods take ``n``: ``None`` (default) returns one Python number,
    an int returns a numpy array of n draws (a list without numpy).

    Not thread-safe: use one generator per thread (different streams, or
    copies advanced by disjoint amounts).
    """

    _free_name = "causal_rng_free"
    _type_name = "Rng"

    def __init__(self, seed=0, stream=0):
        out = new_out()
        _lib.call("causal_rng_new", ctypes.byref(out), _u64(seed, "seed"),
                  _u64(stream, "stream"))
        self._adopt(out)

    def copy(self):
        """An independent generator with the same state (``causal_rng_clone``)."""
        out = new_out()
        _lib.call("causal_rng_clone", ctypes.byref(out), self._handle)
        r = Rng.__new__(Rng)
        r._adopt(out)
        return r

    clone = copy
    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def __repr__(self):
        if self.closed:
            return "<causal.Rng (closed)>"
        s, i = self.state
        return "<causal.Rng state=0x%032x inc=0x%032x>" % (s, i)

    # ---- state ----
    @property
    def state(self):
        """(state, inc) as Python ints < 2^128. Assign a pair to set it; inc
        must be odd (InvalidArgumentError otherwise)."""
        v = [ctypes.c_uint64() for _ in range(4)]
        _lib.call("causal_rng_get_state", self._handle,
                  *[ctypes.byref(x) for x in v])
        sh, sl, ih, il = (x.value for x in v)
        return (sh << 64) | sl, (ih << 64) | il

    @state.setter
    def state(self, value):
        try:
            st, inc = value
        except (TypeError, ValueError):
            raise TypeError("state must be a pair (state, inc) of ints") \
                from None
        sh, sl = _u128(st, "state")
        ih, il = _u128(inc, "inc")
        _lib.call("causal_rng_set_state", self._handle, sh, sl, ih, il)

    def advance(self, delta):
        """Jump ahead by ``delta`` draws (a Python int, 0 <= delta < 2^128)
        in O(log delta). Returns self."""
        hi, lo = _u128(delta, "delta")
        _lib.call("causal_rng_advance", self._handle, hi, lo)
        return self

    # ---- draws ----
    def _draw(self, cname, n, tc, *args):
        k = _count(n)
        out = _compat.Out(1 if k is None else k, tc)
        _lib.call(cname, self._handle, *args, out.ptr, out.n)
        return out.result(None if k is None else (k,))

    def u64(self, n=None):
        """Raw 64-bit outputs (uint64 array / Python ints)."""
        return self._draw("causal_rng_u64", n, "Q")

    def random(self, n=None):
        """Uniform doubles on [0, 1): (u64 >> 11) * 2^-53, like numpy's
        ``Generator.random``."""
        return self._draw("causal_rng_uniform", n, "d")

    def integers(self, bound, n=None):
        """Uniform integers on [0, bound) without modulo bias,
        1 <= bound <= 2^64. int64 array when bound <= 2^63, else uint64."""
        if isinstance(bound, bool) or not isinstance(bound, int):
            raise TypeError("bound must be an int")
        if not 1 <= bound <= 1 << 64:
            raise ValueError("bound = %d is outside [1, 2^64]" % bound)
        if bound == 1 << 64:
            return self.u64(n)
        r = self._draw("causal_rng_bounded", n, "Q", bound)
        np = _compat.numpy()
        if np is not None and n is not None and bound <= 1 << 63:
            r = r.astype(np.int64)
        return r

    def normal(self, mean=0.0, sd=1.0, n=None):
        """Normal draws with the given mean and sd (sd > 0)."""
        return self._draw("causal_rng_normal", n, "d", float(mean), float(sd))

    def exponential(self, rate=1.0, n=None):
        """Exponential draws with the given rate (mean 1/rate)."""
        return self._draw("causal_rng_exponential", n, "d", float(rate))

    def gamma(self, shape, scale=1.0, n=None):
        """Gamma draws, shape > 0, scale > 0 (mean shape*scale)."""
        return self._draw("causal_rng_gamma", n, "d", float(shape),
                          float(scale))

    def beta(self, a, b, n=None):
        """Beta(a, b) draws."""
        return self._draw("causal_rng_beta", n, "d", float(a), float(b))

    def binomial(self, trials, p, n=None):
        """Binomial(trials, p) draws (int64)."""
        if isinstance(trials, float) and trials.is_integer():
            trials = int(trials)
        if not isinstance(trials, int):
            raise TypeError("trials must be an int")
        return self._draw("causal_rng_binomial", n, "q", trials, float(p))

    def poisson(self, lam, n=None):
        """Poisson(lam) draws (int64)."""
        return self._draw("causal_rng_poisson", n, "q", float(lam))

    def permutation(self, n):
        """A random permutation of range(n) (int64 array / list), by
        Fisher-Yates (``causal_rng_shuffle``)."""
        n = _count(n)
        if _compat.numpy() is not None:
            idx = _compat.numpy().arange(n, dtype="int64")
            buf = _compat.as_input(idx, "q")
        else:
            import array
            idx = array.array("q", range(n))
            buf = _compat.as_input(idx, "q")
        _lib.call("causal_rng_shuffle", self._handle, buf.ptr, n)
        return idx if _compat.numpy() is not None else idx.tolist()

    def shuffle(self, x):
        """Return a shuffled copy of ``x``; ``x`` itself is never modified.

        ``x`` may be an int n (then a permutation of range(n)), a numpy
        array (permuted along its first axis) or any sequence (a list is
        returned). Unlike ``numpy.random.Generator.shuffle`` this does not
        work in place: write ``a[:] = rng.shuffle(a)`` for that."""
        if isinstance(x, int) and not isinstance(x, bool):
            return self.permutation(x)
        np = _compat.numpy()
        if np is not None and isinstance(x, np.ndarray):
            return x[self.permutation(len(x))]
        seq = list(x)
        perm = self.permutation(len(seq))
        return [seq[int(i)] for i in perm]

    def sample(self, n, k):
        """k distinct integers from range(n), in random order (without
        replacement); 0 <= k <= n. O(k) memory."""
        n = _count(n)
        k = _count(k)
        out = _compat.Out(k, "q")
        _lib.call("causal_rng_sample", self._handle, n, k, out.ptr)
        return out.result((k,))
