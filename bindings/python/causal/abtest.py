"""A/B testing from mergeable per-arm sufficient statistics.

C API: include/causal/abtest.h; formulas: docs/methods/abtest.md::

    import causal
    a = causal.ArmStats.from_counts(120, 1000)      # control
    b = causal.ArmStats.from_counts(150, 1010)      # treatment
    r = causal.ABTest(metric="proportion", test="chisq").compare(a, b)
    r["p_value"], r["conf_low"], r["relative_lift"]

    # unit-level data with a pre-period covariate (CUPED)
    a = causal.ArmStats.from_units(y_a, x=x_a)
    b = causal.ArmStats.from_units(y_b, x=x_b)
    causal.ABTest(cuped=True).compare(a, b)["variance_reduction"]

    causal.srm([5023, 4891, 5102], [0.34, 0.33, 0.33])["p_value"]
    causal.p_adjust([0.01, 0.04, 0.03], "holm")

States merge exactly (``a.merge(b)``, ``a + b``) and serialize
(``to_bytes`` / ``ArmStats.from_bytes``, pickle), so partitions computed
elsewhere combine into the single-pass result.
"""

import ctypes

from . import _lib
from ._handle import Handle, new_out
from .result import Result

__all__ = ["ArmStats", "ABTest", "srm", "p_adjust", "dunnett_quantile",
           "dunnett_prob", "METRICS", "TESTS", "ADJUST"]

_P = ctypes.POINTER
_V = ctypes.c_void_p
_D = ctypes.c_double
_I64 = ctypes.c_int64
_S = ctypes.c_size_t
_I = ctypes.c_int
_SIGNATURES = {
    "causal_abstats_new": (_I, [_P(_V), _I, _S]),
    "causal_abstats_free": (None, [_V]),
    "causal_abstats_clone": (_I, [_P(_V), _V]),
    "causal_abstats_nvars": (_S, [_V]),
    "causal_abstats_ncov": (_S, [_V]),
    "causal_abstats_flags": (_I, [_V]),
    "causal_abstats_count": (_I64, [_V]),
    "causal_abstats_is_binary": (_I, [_V]),
    "causal_abstats_update": (_I, [_V, _P(_D), _P(_D), _P(_D), _S, _S]),
    "causal_abstats_merge": (_I, [_V, _V]),
    "causal_abstats_from_aggregates": (_I, [_P(_V), _I, _S, _I64, _P(_D),
                                            _P(_D)]),
    "causal_abstats_from_sums": (_I, [_P(_V), _I64, _D, _D]),
    "causal_abstats_from_counts": (_I, [_P(_V), _I64, _I64]),
    "causal_abstats_get": (_I, [_V, _I, _P(_D), _S]),
    "causal_abstats_serialize": (_I, [_V, _P(_P(ctypes.c_uint8)), _P(_S)]),
    "causal_abstats_deserialize": (_I, [_P(_V), _P(ctypes.c_uint8), _S]),
    "causal_abtest_new": (_I, [_P(_V)]),
    "causal_abtest_free": (None, [_V]),
    "causal_abtest_set_int": (_I, [_V, _I, _I64]),
    "causal_abtest_set_double": (_I, [_V, _I, _D]),
    "causal_abtest_compare": (_I, [_V, _V, _V, _P(_V)]),
    "causal_abtest_compare_values": (_I, [_V, _V, _V, _P(_D), _S]),
    "causal_abtest_analyze": (_I, [_V, _P(_V), _S, _P(ctypes.c_char_p),
                                   _P(_D), _P(_V)]),
    "causal_abtest_srm": (_I, [_P(_V), _P(_I64), _P(_D), _S]),
    "causal_p_adjust": (_I, [_I, _P(_D), _S, _P(_D)]),
    "causal_dunnett_quantile": (_I, [_P(_D), _D, _P(_D), _S, _D, _I]),
    "causal_dunnett_prob": (_I, [_P(_D), _D, _P(_D), _S, _D, _I]),
    "causal_abtest_bootstrap": (_I, [_V, _P(_D), _S, _P(_D), _S, _P(_V)]),
    "causal_free": (None, [_V]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

RATIO, MISSING_INDICATOR = 1, 2
METRICS = {"mean": 1, "proportion": 2, "ratio": 3}
TESTS = {None: 0, "z_pooled": 1, "z_unpooled": 2, "chisq": 3, "fisher": 4,
         "welch": 5, "student": 6, "z": 7}
ALTERNATIVES = {"two-sided": 0, "two.sided": 0, "greater": 1, "larger": 1,
                "less": 2, "smaller": 2}
ADJUST = {None: 0, "none": 0, "bonferroni": 1, "holm": 2, "BH": 3,
          "fdr_bh": 3, "BY": 4, "fdr_by": 4, "dunnett": 5}
_Q = {"n": 1, "sum": 2, "mean": 3, "var": 4, "comoment": 5, "cov": 6,
      "crossprod": 7, "sumsq": 8}


def _darr(values, what):
    vals = [float(v) for v in values]
    return (_D * max(len(vals), 1))(*vals), len(vals)


def _from_bytes(data):
    return ArmStats.from_bytes(data)


class ArmStats(Handle):
    """Per-arm sufficient statistics of one metric (``causal_abstats``).

    Variables per unit: y (metric or ratio numerator), d (denominator, if
    ``ratio``), the covariates x (CUPED), and with ``missing_indicator`` a
    0/1 indicator per covariate (a NaN covariate is stored as 0 with
    indicator 1). Construct with :meth:`from_units`, :meth:`from_counts`,
    :meth:`from_sums` or :meth:`from_aggregates`.
    """

    _free_name = "causal_abstats_free"
    _type_name = "ArmStats"

    def __init__(self, ratio=False, ncov=0, missing_indicator=False):
        flags = (RATIO if ratio else 0) | (MISSING_INDICATOR
                                            if missing_indicator else 0)
        out = new_out()
        _lib.call("causal_abstats_new", ctypes.byref(out), flags, int(ncov))
        self._adopt(out)

    @classmethod
    def _wrap(cls, out):
        s = cls.__new__(cls)
        s._adopt(out)
        return s

    @classmethod
    def from_units(cls, y, d=None, x=None, missing_indicator=False):
        """A state from unit-level arrays; ``x`` is a sequence of covariate
        columns (or one column)."""
        cols = []
        if x is not None:
            cols = list(x)
            if cols and not hasattr(cols[0], "__len__"):
                cols = [cols]
        s = cls(ratio=d is not None, ncov=len(cols),
                missing_indicator=missing_indicator)
        s.update(y, d, cols if cols else None)
        return s

    @classmethod
    def from_counts(cls, successes, trials):
        out = new_out()
        _lib.call("causal_abstats_from_counts", ctypes.byref(out),
                  int(successes), int(trials))
        return cls._wrap(out)

    @classmethod
    def from_sums(cls, n, sum, sumsq):
        out = new_out()
        _lib.call("causal_abstats_from_sums", ctypes.byref(out), int(n),
                  float(sum), float(sumsq))
        return cls._wrap(out)

    @classmethod
    def from_aggregates(cls, n, sums, crossprod, ratio=False, ncov=0,
                        missing_indicator=False):
        """From warehouse sums: ``sums`` (p) and ``crossprod`` (p x p, a
        nested list or 2-D array of sum_i v_i v_i')."""
        flags = (RATIO if ratio else 0) | (MISSING_INDICATOR
                                            if missing_indicator else 0)
        s_arr, p = _darr(sums, "sums")
        flat = []
        rows = [list(r) for r in crossprod] if p > 1 or hasattr(
            crossprod, "__len__") else [[crossprod]]
        for j in range(p):          # column-major
            for i in range(p):
                flat.append(rows[i][j])
        c_arr, _ = _darr(flat, "crossprod")
        out = new_out()
        _lib.call("causal_abstats_from_aggregates", ctypes.byref(out), flags,
                  int(ncov), int(n), s_arr, c_arr)
        return cls._wrap(out)

    @classmethod
    def from_bytes(cls, data):
        data = bytes(data)
        buf = (ctypes.c_uint8 * max(len(data), 1)).from_buffer_copy(
            data or b"\0")
        out = new_out()
        _lib.call("causal_abstats_deserialize", ctypes.byref(out), buf,
                  len(data))
        return cls._wrap(out)

    def to_bytes(self):
        buf = _P(ctypes.c_uint8)()
        n = _S()
        _lib.call("causal_abstats_serialize", self._handle, ctypes.byref(buf),
                  ctypes.byref(n))
        try:
            return ctypes.string_at(buf, n.value)
        finally:
            _lib.fn("causal_free")(ctypes.cast(buf, _V))

    def __reduce__(self):
        return (_from_bytes, (self.to_bytes(),))

    def copy(self):
        out = new_out()
        _lib.call("causal_abstats_clone", ctypes.byref(out), self._handle)
        return ArmStats._wrap(out)

    __copy__ = copy

    def update(self, y, d=None, x=None):
        """Add units (``x``: list of covariate columns). Returns self."""
        y_arr, n = _darr(y, "y")
        d_arr = _P(_D)()
        if d is not None:
            d_arr, nd = _darr(d, "d")
            if nd != n:
                raise ValueError("d has %d values, y has %d" % (nd, n))
        x_arr = _P(_D)()
        if x is not None:
            flat = []
            for j, col in enumerate(x):
                col = list(col)
                if len(col) != n:
                    raise ValueError("x column %d has %d values, y has %d"
                                     % (j, len(col), n))
                flat.extend(col)
            x_arr, _ = _darr(flat, "x")
        _lib.call("causal_abstats_update", self._handle, y_arr, d_arr, x_arr,
                  n, n)
        return self

    def merge(self, other):
        _lib.call("causal_abstats_merge", self._handle, other._handle)
        return self

    def __add__(self, other):
        return self.copy().merge(other)

    @property
    def n(self):
        return int(_lib.fn("causal_abstats_count")(self._handle))

    @property
    def nvars(self):
        return int(_lib.fn("causal_abstats_nvars")(self._handle))

    @property
    def is_binary(self):
        return bool(_lib.fn("causal_abstats_is_binary")(self._handle))

    def get(self, what):
        """Quantity ``what``: n, sum, mean, var, sumsq (length p lists) or
        comoment, cov, crossprod (p x p nested lists)."""
        p = self.nvars
        ln = 1 if what == "n" else p if what in ("sum", "mean", "var",
                                                 "sumsq") else p * p
        buf = (_D * ln)()
        _lib.call("causal_abstats_get", self._handle, _Q[what], buf, ln)
        v = list(buf)
        if what == "n":
            return v[0]
        if ln == p:
            return v
        return [[v[i + j * p] for j in range(p)] for i in range(p)]

    @property
    def mean(self):
        return self.get("mean")

    @property
    def var(self):
        return self.get("var")

    def __repr__(self):
        if self.closed:
            return "<causal.ArmStats (closed)>"
        return "<causal.ArmStats n=%d p=%d>" % (self.n, self.nvars)


class ABTest(Handle):
    """An analysis specification (``causal_abtest``)."""

    _free_name = "causal_abtest_free"
    _type_name = "ABTest"

    def __init__(self, metric="mean", test=None, alternative="two-sided",
                 conf_level=0.95, margin=0.0, margin_relative=False,
                 cuped=False, correct=True, lift_ci="delta", adjust=None):
        out = new_out()
        _lib.call("causal_abtest_new", ctypes.byref(out))
        self._adopt(out)
        h = self._handle
        si = lambda k, v: _lib.call("causal_abtest_set_int", h, k, int(v))
        for key, table, v in ((1, METRICS, metric), (2, TESTS, test),
                              (3, ALTERNATIVES, alternative),
                              (7, ADJUST, adjust)):
            if v not in table:
                raise ValueError("unknown value %r (one of %s)"
                                 % (v, ", ".join(map(str, table))))
            si(key, table[v])
        si(4, bool(correct))
        si(5, bool(cuped))
        si(6, {"delta": 1, "fieller": 2}[lift_ci])
        si(8, bool(margin_relative))
        _lib.call("causal_abtest_set_double", h, 101, float(conf_level))
        _lib.call("causal_abtest_set_double", h, 102, float(margin))

    def compare(self, control, treatment):
        """Treatment vs control as a :class:`causal.Result`."""
        out = new_out()
        _lib.call("causal_abtest_compare", self._handle, control._handle,
                  treatment._handle, ctypes.byref(out))
        return Result._wrap(out)

    def compare_values(self, control, treatment):
        """The fast path: a dict of the ten CAUSAL_AB_OUT_* values."""
        buf = (_D * 10)()
        _lib.call("causal_abtest_compare_values", self._handle,
                  control._handle, treatment._handle, buf, 10)
        keys = ("estimate", "std_error", "statistic", "p_value", "conf_low",
                "conf_high", "df", "relative_lift", "relative_lift_conf_low",
                "relative_lift_conf_high")
        return dict(zip(keys, list(buf)))

    def analyze(self, arms, names=None, allocation=None):
        """arms[0] is the control; each other arm against it."""
        k = len(arms)
        harr = (_V * k)(*[a._handle.value for a in arms])
        narr = _P(ctypes.c_char_p)()
        if names is not None:
            narr = (ctypes.c_char_p * k)(*[str(s).encode() for s in names])
        aarr = _P(_D)()
        if allocation is not None:
            aarr, na = _darr(allocation, "allocation")
        out = new_out()
        _lib.call("causal_abtest_analyze", self._handle, harr, k, narr, aarr,
                  ctypes.byref(out))
        return Result._wrap(out)

    def bootstrap(self, y_control, y_treatment, statistic="mean",
                  quantile=0.5, reps=2000, seed=1, ci="percentile"):
        h = self._handle
        _lib.call("causal_abtest_set_int", h, 9,
                  {"mean": 1, "quantile": 2, "median": 2}[statistic])
        if statistic == "median":
            quantile = 0.5
        _lib.call("causal_abtest_set_double", h, 103, float(quantile))
        _lib.call("causal_abtest_set_int", h, 10,
                  {"percentile": 1, "bca": 2}[ci])
        _lib.call("causal_abtest_set_int", h, 11, int(reps))
        _lib.call("causal_abtest_set_int", h, 12, int(seed))
        c, nc = _darr(y_control, "y_control")
        t, nt = _darr(y_treatment, "y_treatment")
        out = new_out()
        _lib.call("causal_abtest_bootstrap", h, c, nc, t, nt,
                  ctypes.byref(out))
        return Result._wrap(out)


def srm(counts, allocation):
    """Sample-ratio-mismatch chi-square test (a :class:`Result`)."""
    k = len(counts)
    c = (_I64 * k)(*[int(v) for v in counts])
    a, na = _darr(allocation, "allocation")
    if na != k:
        raise ValueError("allocation has %d values, counts %d" % (na, k))
    out = new_out()
    _lib.call("causal_abtest_srm", ctypes.byref(out), c, a, k)
    return Result._wrap(out)


def p_adjust(p, method="holm"):
    """Adjusted p-values as R's p.adjust (bonferroni, holm, BH, BY)."""
    arr, n = _darr(p, "p")
    out = (_D * max(n, 1))()
    if method not in ADJUST or method == "dunnett":
        raise ValueError("unknown method %r" % (method,))
    _lib.call("causal_p_adjust", ADJUST[method], arr, n, out)
    return list(out)[:n]


def dunnett_quantile(conf, lam, df=float("inf"), two_sided=True):
    """Dunnett's critical value for correlations lam_i lam_j."""
    arr, m = _darr(lam, "lam")
    c = _D()
    _lib.call("causal_dunnett_quantile", ctypes.byref(c), float(conf), arr, m,
              float(df), int(bool(two_sided)))
    return c.value


def dunnett_prob(c, lam, df=float("inf"), two_sided=True):
    arr, m = _darr(lam, "lam")
    p = _D()
    _lib.call("causal_dunnett_prob", ctypes.byref(p), float(c), arr, m,
              float(df), int(bool(two_sided)))
    return p.value
