"""AA grouping of a fixed set of units: balanced splits, balance reports,
randomization inference under the same design and a sample-size advisor
(libcausal's ``causal_aa``; include/causal/aa.h, docs/methods/aa.md)::

    import causal
    r = causal.aa_split(df, ["income", "murder", "frost"], k=2, id="state",
                        strata="region", method="rerandomize", p_accept=0.01,
                        seed=1)
    print(r)                     # per-metric means, SMD, p-values, M
    r.groups                     # {id: group}
    r.group                      # group per row (0-based)

    # after the experiment: permutation p-value under the same design
    causal.aa_randinf(df, ["income", "murder", "frost"], r.group, y,
                      strata="region", method="rerandomize", p_accept=0.01)

    causal.aa_mde([4.0], sizes=[25, 25], r2=0.5, ncov=3, p_accept=0.01)

``data`` may be a :class:`causal.Dataset`, a pandas DataFrame or a dict of
columns. Methods: ``"rerandomize"`` (Morgan & Rubin: draw until the
Mahalanobis distance is below qchisq(p_accept, p (k - 1))),
``"optimize"`` (random starts + swaps minimizing the worst |SMD| or, with
``objective="mahalanobis"``, M) and ``"complete"`` (plain stratified
randomization). Every call is deterministic given ``seed``.
"""

import ctypes
import math

from . import _lib
from ._compat import encode
from ._handle import Handle, new_out
from .result import Result
from .regress import _dataset, _names, _pick

__all__ = ["aa_split", "aa_balance", "aa_randinf", "aa_mde", "AAResult",
           "METHODS", "OBJECTIVES"]

_P = ctypes.POINTER
_SIGNATURES = {
    "causal_aa_new": (ctypes.c_int, [_P(ctypes.c_void_p), ctypes.c_int64]),
    "causal_aa_free": (None, [ctypes.c_void_p]),
    "causal_aa_add_metric": (ctypes.c_int, [ctypes.c_void_p,
                                            ctypes.c_char_p]),
    "causal_aa_set_id": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p]),
    "causal_aa_set_strata": (ctypes.c_int, [ctypes.c_void_p,
                                            ctypes.c_char_p]),
    "causal_aa_set_sizes": (ctypes.c_int, [ctypes.c_void_p,
                                           _P(ctypes.c_int64),
                                           ctypes.c_size_t]),
    "causal_aa_set_int": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int,
                                         ctypes.c_int64]),
    "causal_aa_set_double": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int,
                                            ctypes.c_double]),
    "causal_aa_get_int": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int,
                                         _P(ctypes.c_int64)]),
    "causal_aa_get_double": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int,
                                            _P(ctypes.c_double)]),
    "causal_aa_bounds": (ctypes.c_int, [ctypes.c_int, _P(ctypes.c_double),
                                        _P(ctypes.c_double)]),
    "causal_aa_split": (ctypes.c_int, [_P(ctypes.c_void_p), ctypes.c_void_p,
                                       ctypes.c_void_p]),
    "causal_aa_balance": (ctypes.c_int, [_P(ctypes.c_void_p),
                                         ctypes.c_void_p, ctypes.c_void_p,
                                         _P(ctypes.c_int64),
                                         ctypes.c_size_t]),
    "causal_aa_randinf": (ctypes.c_int, [_P(ctypes.c_void_p),
                                         ctypes.c_void_p, ctypes.c_void_p,
                                         _P(ctypes.c_int64), ctypes.c_size_t,
                                         _P(ctypes.c_double),
                                         ctypes.c_size_t, ctypes.c_int64]),
    "causal_aa_mde": (ctypes.c_int, [_P(ctypes.c_void_p), _P(ctypes.c_double),
                                     ctypes.c_size_t, _P(ctypes.c_int64),
                                     ctypes.c_size_t, ctypes.c_double,
                                     ctypes.c_double, ctypes.c_double,
                                     ctypes.c_int64, ctypes.c_double]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

#: Methods by name (include/causal/aa.h, pinned codes).
METHODS = {"rerandomize": 1, "optimize": 2, "complete": 3}
#: Optimizer objectives by name.
OBJECTIVES = {"max_smd": 1, "mahalanobis": 2}
_METHOD, _MAX_DRAWS, _SEED, _RESTARTS, _OBJECTIVE = 1, 2, 3, 4, 5
_P_ACCEPT, _THRESHOLD = 101, 102


def _int(v, what):
    if isinstance(v, bool) or not isinstance(v, int):
        if not (isinstance(v, float) and v.is_integer()):
            raise TypeError("%s must be an integer, not %r" % (what, v))
    return int(v)


def _int64_array(values, what):
    vals = values.tolist() if hasattr(values, "tolist") else list(values)
    return (ctypes.c_int64 * len(vals))(*[_int(v, what) for v in vals]), \
        len(vals)


def _double_array(values, what):
    vals = values.tolist() if hasattr(values, "tolist") else list(values)
    try:
        vals = [float(v) for v in vals]
    except (TypeError, ValueError):
        raise TypeError("%s must be numbers" % what) from None
    return (ctypes.c_double * len(vals))(*vals), len(vals)


class Design(Handle):
    """A ``causal_aa`` specification (low level; the functions below build
    one, use it and free it)."""

    _free_name = "causal_aa_free"
    _type_name = "Design"

    def __init__(self, metrics, k=2, id=None, strata=None, sizes=None,
                 method="rerandomize", p_accept=None, threshold=None,
                 max_draws=None, seed=0, restarts=None, objective=None):
        out = new_out()
        _lib.call("causal_aa_new", ctypes.byref(out), _int(k, "k"))
        self._adopt(out)
        h = self._handle
        for m in _names(metrics, "metrics"):
            _lib.call("causal_aa_add_metric", h, encode(m, "metric"))
        if id is not None:
            _lib.call("causal_aa_set_id", h, encode(id, "id"))
        if strata is not None:
            _lib.call("causal_aa_set_strata", h, encode(strata, "strata"))
        if sizes is not None:
            arr, n = _int64_array(sizes, "sizes")
            _lib.call("causal_aa_set_sizes", h, arr, n)
        self._set_int(_METHOD, _pick(METHODS, method, "method"))
        self._set_int(_SEED, _int(seed, "seed"))
        if max_draws is not None:
            self._set_int(_MAX_DRAWS, _int(max_draws, "max_draws"))
        if restarts is not None:
            self._set_int(_RESTARTS, _int(restarts, "restarts"))
        if objective is not None:
            self._set_int(_OBJECTIVE, _pick(OBJECTIVES, objective,
                                            "objective"))
        if p_accept is not None:
            _lib.call("causal_aa_set_double", h, _P_ACCEPT, float(p_accept))
        if threshold is not None:
            _lib.call("causal_aa_set_double", h, _THRESHOLD, float(threshold))

    def _set_int(self, key, value):
        _lib.call("causal_aa_set_int", self._handle, key, value)


def _prepare(data, metrics, id, strata):
    used = _names(metrics, "metrics") + [c for c in (id, strata) if c]
    return _dataset(data, used)


class AAResult(Result):
    """The result of :func:`aa_split` or :func:`aa_balance`: a
    :class:`causal.Result` with the entries of include/causal/aa.h
    (``r["smd"]``, ``r["p_value"]``, ``r["mahalanobis"]``, ...) plus
    ``r.group`` (list of 0-based groups, one per row), ``r.groups``
    ({id: group}) and a balance table as ``str(r)``."""

    _type_name = "AAResult"

    @property
    def group(self):
        """0-based group of every row (ints)."""
        return [int(v) for v in self.vector("group")]

    @property
    def groups(self):
        """Dict id -> group."""
        return dict(zip(self.names("group"), self.group))

    def summary(self):
        metrics = self.names("smd")
        means = self.matrix("means")
        k = len(self.vector("size"))
        heads = ["metric"] + ["mean[%d]" % g for g in range(k)] + \
            ["smd", "statistic", "p_value"]
        rows = []
        smd, st, pv = self.vector("smd"), self.vector("statistic"), \
            self.vector("p_value")
        for j, m in enumerate(metrics):
            rows.append([m] + ["%.5g" % means[j][g] for g in range(k)] +
                        ["%.4f" % smd[j], "%.4f" % st[j], "%.4f" % pv[j]])
        w = [max(len(str(r[c])) for r in [heads] + rows)
             for c in range(len(heads))]
        lines = []
        if "method" in self:
            lines.append("AA split (%s), %d groups of sizes %s"
                         % (self["method"], k,
                            ", ".join("%d" % v for v in self.vector("size"))))
        else:
            lines.append("balance of %d groups of sizes %s" % (k, ", ".join(
                "%d" % v for v in self.vector("size"))))
        for r in [heads] + rows:
            lines.append("  ".join([str(r[0]).ljust(w[0])] +
                                   [str(c).rjust(x)
                                    for c, x in zip(r[1:], w[1:])]))
        lines.append("test: %s; worst |SMD| %.4f; smallest p %.4f"
                     % (self["test"], self["max_abs_smd"],
                        self["min_p_value"]))
        lines.append("Mahalanobis M = %.4f on %d df (p = %.4f)"
                     % (self["mahalanobis"], int(self["mahalanobis_df"]),
                        self["mahalanobis_p_value"]))
        if "threshold" in self and not math.isinf(self["threshold"]):
            lines.append("accepted with M <= a = %.4f after %d draws"
                         % (self["threshold"], int(self["draws"])))
        for wmsg in self.warnings:
            lines.append("warning: " + wmsg)
        return "\n".join(lines)

    def __str__(self):
        return self.summary()


def aa_split(data, metrics, k=2, id=None, strata=None, sizes=None,
             method="rerandomize", p_accept=None, threshold=None,
             max_draws=None, seed=0, restarts=None, objective=None):
    """Split the units (rows of ``data``) into ``k`` balanced groups.

    ``metrics``: pre-period metric columns; ``id``: unit id column
    (strings or integers; duplicates and empty ids are errors);
    ``strata``: groups are balanced within each stratum; ``sizes``: the k
    group sizes (default as equal as possible). Returns an
    :class:`AAResult`."""
    ds = _prepare(data, metrics, id, strata)
    with Design(metrics, k, id, strata, sizes, method, p_accept, threshold,
                max_draws, seed, restarts, objective) as d:
        out = new_out()
        _lib.call("causal_aa_split", ctypes.byref(out), d._handle,
                  ds._handle)
        return AAResult._wrap(out)


def aa_balance(data, metrics, group, k=None, id=None):
    """Balance report (means, SMD, Welch t / ANOVA F p-values, Mahalanobis
    distance) of a given allocation ``group`` (0-based, one per row)."""
    arr, n = _int64_array(group, "group")
    if k is None:
        k = max(2, max(arr) + 1) if n else 2
    ds = _prepare(data, metrics, id, None)
    with Design(metrics, k, id) as d:
        out = new_out()
        _lib.call("causal_aa_balance", ctypes.byref(out), d._handle,
                  ds._handle, arr, n)
        return AAResult._wrap(out)


def aa_randinf(data, metrics, group, y, draws=1000, k=None, strata=None,
               method="rerandomize", p_accept=None, threshold=None,
               max_draws=None, seed=0, restarts=None, objective=None):
    """Randomization p-value of the difference in means (k = 2) or ANOVA F
    (k > 2) of outcome ``y`` under the design that produced ``group``:
    allocations are redrawn with the same quotas and, for
    ``"rerandomize"``, only accepted ones count. Returns a
    :class:`causal.Result` (``estimate``, ``statistic``, ``p_value``,
    ``draws``, ``raw_draws``, ``threshold``, ``mahalanobis``)."""
    garr, n = _int64_array(group, "group")
    yarr, ny = _double_array(y, "y")
    if k is None:
        k = max(2, max(garr) + 1) if n else 2
    ds = _prepare(data, metrics, None, strata)
    with Design(metrics, k, None, strata, None, method, p_accept, threshold,
                max_draws, seed, restarts, objective) as d:
        out = new_out()
        _lib.call("causal_aa_randinf", ctypes.byref(out), d._handle,
                  ds._handle, garr, n, yarr, ny, _int(draws, "draws"))
        return Result._wrap(out)


def aa_mde(variance=None, sizes=(), alpha=0.05, power=0.8, r2=0.0, ncov=0,
           p_accept=0.05, data=None, metrics=None):
    """Minimum detectable effect of group g vs group 0 (g = 1..k-1) for a
    fixed unit set of the given ``sizes``, for each outcome variance (or,
    with ``data`` and ``metrics``, the sample variance of each metric).
    With ``ncov`` > 0 covariates explaining a share ``r2`` of the outcome
    variance and rerandomization at acceptance probability ``p_accept``,
    ``mde_rerandomized`` applies Morgan & Rubin's factor
    1 - (1 - v_a) r2. Returns a :class:`causal.Result`."""
    if variance is None:
        if data is None or metrics is None:
            raise TypeError("aa_mde needs variance, or data and metrics")
        ds = _prepare(data, metrics, None, None)
        variance = []
        for m in _names(metrics, "metrics"):
            v = [x for x in ds.to_f64(m) if x == x]
            if len(v) < 2:
                raise ValueError("metric %r has fewer than 2 values" % m)
            mu = sum(v) / len(v)
            variance.append(sum((x - mu) ** 2 for x in v) / (len(v) - 1))
    varr, nv = _double_array(variance, "variance")
    sarr, k = _int64_array(sizes, "sizes")
    out = new_out()
    _lib.call("causal_aa_mde", ctypes.byref(out), varr, nv, sarr, k,
              float(alpha), float(power), float(r2), _int(ncov, "ncov"),
              float(p_accept))
    return Result._wrap(out)
