"""Observational estimators: propensity scores, covariate balance, inverse
probability weighting, augmented IPW (doubly robust) and E-values.

Thin wrappers over include/causal/propensity.h, balance.h, weighting.h and
sensitivity.h (formulas in docs/methods/propensity.md, balance.md,
weighting.md, sensitivity.md)::

    import causal
    covs = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
    ps = causal.propensity(df, "treat", covs, trim="crump")
    ps["propensity"], ps["share_outside_support"], ps.matrix("quantiles")
    r = causal.ipw(df, "re78", "treat", covs, estimand="att")
    r["estimate"], r["std_error"], r["conf_low"], r["conf_high"]
    a = causal.aipw(df, "re78", "treat", covs, cluster="site")
    b = causal.balance(df, "treat", covs, weights=w)  # one per row of df
    print(b)
    causal.evalue(3.9, 1.8, 8.7)          # risk ratio -> 7.26, CI 3.0

``data`` may be a :class:`causal.Dataset`, a pandas DataFrame or a dict of
columns. Errors raise the library's exceptions (e.g.
:class:`causal.NoOverlapError` when the arms share no support,
:class:`causal.SeparationError` for a perfectly separated score model).
"""

import ctypes
import math

from . import _compat, _lib
from ._handle import Handle, new_out
from .regress import _dataset, _names
from .result import Result

__all__ = ["propensity", "balance", "ipw", "aipw", "evalue", "refute",
           "BalanceResult"]

_P = ctypes.POINTER
_V, _S, _I, _D = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, \
    ctypes.c_double
_SIGNATURES = {}
for _mod in ("propensity", "balance", "weighting"):
    _SIGNATURES.update({
        "causal_%s_new" % _mod: (_I, [_P(_V)]),
        "causal_%s_free" % _mod: (None, [_V]),
        "causal_%s_set_int" % _mod: (_I, [_V, _I, ctypes.c_int64]),
        "causal_%s_set_double" % _mod: (_I, [_V, _I, _D]),
    })
_SIGNATURES.update({
    "causal_propensity_set_treatment": (_I, [_V, _S]),
    "causal_propensity_add_term": (_I, [_V, _S]),
    "causal_propensity_set_scores": (_I, [_V, _S]),
    "causal_propensity_fit": (_I, [_P(_V), _V, _V]),
    "causal_balance_set_treatment": (_I, [_V, _S]),
    "causal_balance_add_covariate": (_I, [_V, _S]),
    "causal_balance_compute": (_I, [_P(_V), _V, _V, _P(_D), ctypes.c_size_t]),
    "causal_weighting_set_outcome": (_I, [_V, _S]),
    "causal_weighting_add_outcome_term": (_I, [_V, _S]),
    "causal_weighting_set_cluster": (_I, [_V, _S]),
    "causal_weighting_fit": (_I, [_P(_V), _V, _V, _V]),
    "causal_evalue": (_I, [_P(_V), _I, _D, _D, _D, _D]),
    "causal_weighting_refute": (_I, [_P(_V), _V, _V, _V, _I, _S,
                                     ctypes.c_size_t, ctypes.c_uint64]),
})
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

# pinned constants
_TRIM = {"none": 0, "fixed": 1, "crump": 2}
_ESTIMAND = {"ate": 1, "att": 2, "atc": 3, "ato": 4, "overlap": 4}
_METHOD = {"ipw": 1, "ht": 1, "horvitz-thompson": 1, "hajek": 2, "aipw": 3}
_DENOM = {"pooled": 1, "treated": 2, "control": 3}
_EVALUE = {"rr": 1, "or_rare": 2, "or": 2, "or_common": 3, "hr_rare": 4,
           "hr": 4, "hr_common": 5, "smd": 6}


def _pick(table, value, what):
    if not isinstance(value, str) or value.lower() not in table:
        raise ValueError("%s %r is not one of: %s"
                         % (what, value, ", ".join(sorted(table))))
    return table[value.lower()]


class _Spec(Handle):
    _prefix = None

    def __init__(self):
        self._free_name = "causal_%s_free" % self._prefix
        out = new_out()
        _lib.call("causal_%s_new" % self._prefix, ctypes.byref(out))
        self._adopt(out)

    def call(self, verb, *args):
        return _lib.call("causal_%s_%s" % (self._prefix, verb), self._handle,
                         *args)

    def set_int(self, key, value):
        self.call("set_int", key, int(value))

    def set_double(self, key, value):
        self.call("set_double", key, float(value))


class _Propensity(_Spec):
    _prefix = "propensity"
    _type_name = "Propensity"


class _Balance(_Spec):
    _prefix = "balance"
    _type_name = "Balance"


class _Weighting(_Spec):
    _prefix = "weighting"
    _type_name = "Weighting"


def _cols(terms):
    out = []
    for t in terms:
        for c in t.split(":"):
            if c not in out:
                out.append(c)
    return out


def _ps_spec(treatment, covariates, scores, clip, trim, bins=None,
             maxiter=None):
    enc = _compat.encode
    p = _Propensity()
    p.call("set_treatment", enc(treatment, "treatment"))
    for t in covariates:
        p.call("add_term", enc(t, "covariate"))
    if scores is not None:
        p.call("set_scores", enc(scores, "scores"))
    if clip is not None:
        lo, hi = clip
        p.set_double(101, lo)
        p.set_double(102, hi)
    if trim is not None:
        if isinstance(trim, str):
            p.set_int(1, _pick(_TRIM, trim, "trim"))
        else:
            lo, hi = trim
            p.set_int(1, 1)
            p.set_double(103, lo)
            p.set_double(104, hi)
    if bins is not None:
        p.set_int(2, bins)
    if maxiter is not None:
        p.set_int(3, maxiter)
    return p


def propensity(data, treatment, covariates=(), scores=None, clip=None,
               trim=None, bins=20, maxiter=None):
    """Propensity scores and overlap diagnostics.

    covariates: logit terms ("x", "a:b", categorical columns give dummies);
    scores: a column of known scores instead of a fit; clip: (lo, hi)
    bounds the scores are clipped to; trim: "crump" (Crump et al. 2009) or
    (lo, hi) fixed bounds. Returns a :class:`causal.Result` (kind
    "propensity"): vectors "propensity", "linear_predictor", "treatment",
    "rows", "keep"; table "coef"; matrix "quantiles" (control/treated);
    "hist_edges" and "hist_counts" (common bin edges); scalars
    "share_outside_support", "crump_alpha", "n_trimmed", ...
    """
    covariates = _names(covariates, "covariates")
    used = [treatment] + _cols(covariates) + ([scores] if scores else [])
    ds = _dataset(data, used)
    p = _ps_spec(treatment, covariates, scores, clip, trim, bins, maxiter)
    try:
        out = new_out()
        _lib.call("causal_propensity_fit", ctypes.byref(out), p._handle,
                  ds._handle)
        return Result._wrap(out)
    finally:
        p.close()


class BalanceResult(Result):
    """A balance result (kind "balance") with a printable table."""

    def balance_table(self):
        """The "balance" matrix as a pandas DataFrame (or a dict of
        columns without pandas), one row per covariate."""
        rows, cols = self.dimnames("balance")
        m = self.matrix("balance")
        m = m.tolist() if hasattr(m, "tolist") else m
        data = {c: [m[i][j] for i in range(len(rows))]
                for j, c in enumerate(cols)}
        pd = _compat.pandas()
        if pd is not None:
            return pd.DataFrame(data, index=rows)
        data["covariate"] = rows
        return data

    def __str__(self):
        rows, cols = self.dimnames("balance")
        m = self.matrix("balance")
        m = m.tolist() if hasattr(m, "tolist") else m
        show = [j for j, c in enumerate(cols) if not c.startswith("flag")]
        w = max(len(r) for r in rows) + 2
        out = ["Covariate balance (SD denominator: %s, threshold %g)"
               % (self.string("sd_denom"), self.scalar("threshold")),
               " " * w + "".join("%14s" % cols[j] for j in show)]
        for i, r in enumerate(rows):
            flag = " *" if any(m[i][j] == 1.0 for j, c in enumerate(cols)
                               if c.startswith("flag")) else ""
            out.append("%-*s" % (w, r) + "".join(
                "%14.4g" % m[i][j] for j in show) + flag)
        out.append("* |smd| above the threshold")
        return "\n".join(out)


def balance(data, treatment, covariates, weights=None, sd_denom="pooled",
            threshold=0.1):
    """Covariate balance before (and with ``weights``, after) adjustment,
    computed as R MatchIt's summary(): standardized mean differences with
    unweighted denominators ("pooled", "treated" or "control"), variance
    ratios, eCDF mean/max differences, flags at ``threshold``.

    weights: one non-negative weight per row of ``data`` (matching or IPW
    weights). Returns a :class:`BalanceResult`.
    """
    covariates = _names(covariates, "covariates")
    ds = _dataset(data, [treatment] + covariates)
    enc = _compat.encode
    b = _Balance()
    try:
        b.call("set_treatment", enc(treatment, "treatment"))
        for c in covariates:
            b.call("add_covariate", enc(c, "covariate"))
        b.set_int(1, _pick(_DENOM, sd_denom, "sd_denom"))
        b.set_double(101, threshold)
        wp, nw = None, 0
        if weights is not None:
            w = [float(v) for v in (weights.tolist() if hasattr(
                weights, "tolist") else weights)]
            nw = len(w)
            wp = (ctypes.c_double * max(nw, 1))(*w)
        out = new_out()
        _lib.call("causal_balance_compute", ctypes.byref(out), b._handle,
                  ds._handle, wp, nw)
        return BalanceResult._wrap(out)
    finally:
        b.close()


def ipw(data, outcome, treatment, covariates=(), scores=None,
        estimand="ate", method="hajek", clip=None, trim=None, cluster=None,
        stabilize=False, conf_level=0.95, outcome_covariates=None,
        _refute=None, _extra=()):
    """Inverse probability weighting (method "hajek" -- normalized, the
    default, as statsmodels' TreatmentEffect.ipw -- or "ipw", the
    Horvitz-Thompson form) or augmented IPW (method "aipw") for estimand
    "ate", "att", "atc" or "ato" (overlap weights). Standard errors stack
    the estimating equations of the logit score model (M-estimation);
    ``cluster`` names a cluster column. Returns a :class:`causal.Result`
    (kind "weighting"): "estimate", "std_error", "conf_low", "conf_high",
    "p_value", "mu1", "mu0", table "coef", vectors "weights" (per used
    row), "rows", "propensity"; warnings for extreme weights.
    """
    covariates = _names(covariates, "covariates")
    ocov = _names(outcome_covariates, "outcome_covariates")
    used = ([outcome, treatment] + _cols(covariates) + _cols(ocov) +
            ([scores] if scores else []) + ([cluster] if cluster else []))
    seen = []
    for c in used:
        if c not in seen:
            seen.append(c)
    ds = _dataset(data, seen + list(_extra))
    enc = _compat.encode
    p = _ps_spec(treatment, covariates, scores, clip, trim)
    w = _Weighting()
    try:
        w.call("set_outcome", enc(outcome, "outcome"))
        for t in ocov:
            w.call("add_outcome_term", enc(t, "outcome covariate"))
        if cluster is not None:
            w.call("set_cluster", enc(cluster, "cluster"))
        w.set_int(1, _pick(_ESTIMAND, estimand, "estimand"))
        w.set_int(2, _pick(_METHOD, method, "method"))
        w.set_int(3, 1 if stabilize else 0)
        w.set_double(101, conf_level)
        out = new_out()
        if _refute is None:
            _lib.call("causal_weighting_fit", ctypes.byref(out), w._handle,
                      p._handle, ds._handle)
        else:
            kind, placebo, reps, seed = _refute
            _lib.call("causal_weighting_refute", ctypes.byref(out),
                      w._handle, p._handle, ds._handle, kind,
                      None if placebo is None else enc(placebo, "placebo"),
                      reps, seed)
        return Result._wrap(out)
    finally:
        w.close()
        p.close()


def aipw(data, outcome, treatment, covariates=(), outcome_covariates=None,
         **kwargs):
    """Augmented IPW (doubly robust): :func:`ipw` with method="aipw"; the
    outcome regressions (OLS per arm) use ``outcome_covariates`` (default:
    the propensity covariates)."""
    return ipw(data, outcome, treatment, covariates, method="aipw",
               outcome_covariates=outcome_covariates, **kwargs)


def evalue(estimate, lo=None, hi=None, se=None, type="rr"):
    """E-value (VanderWeele & Ding 2017) of an estimate and of the
    confidence limit closest to the null. type: "rr", "or_rare",
    "or_common", "hr_rare", "hr_common" or "smd" (then ``se`` gives the
    interval). Returns a :class:`causal.Result` with "evalue",
    "evalue_ci", "rr", "rr_low", "rr_high"."""
    nan = math.nan
    out = new_out()
    _lib.call("causal_evalue", ctypes.byref(out),
              _pick(_EVALUE, type, "type"), float(estimate),
              nan if lo is None else float(lo),
              nan if hi is None else float(hi),
              nan if se is None else float(se))
    return Result._wrap(out)


_REFUTE = {"placebo_treatment": 1, "random_common_cause": 2,
           "placebo_outcome": 3}


def refute(data, outcome, treatment, covariates=(), kind="placebo_treatment",
           placebo=None, reps=100, seed=0, **kwargs):
    """Rerun :func:`ipw` (any ``method``/``estimand`` in kwargs) with a
    permuted treatment ("placebo_treatment"), an added N(0, 1) covariate
    ("random_common_cause") or the outcome column ``placebo``
    ("placebo_outcome"). Returns a :class:`causal.Result` (kind
    "refutation"): "estimate", "refuted_estimate", "refuted_sd", "shift",
    "p_value", vector "refuted_estimates"."""
    code = _pick(_REFUTE, kind, "kind")
    return ipw(data, outcome, treatment, covariates,
               _refute=(code, placebo, int(reps), int(seed)),
               _extra=[placebo] if placebo else [], **kwargs)
