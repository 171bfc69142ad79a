"""Matching: greedy nearest-neighbour matching on the propensity score or
Mahalanobis distance (R MatchIt's method = "nearest"), the effect after
matching with the cluster-robust SE, and the Abadie–Imbens matching
estimator (R Matching::Match) with its analytic SE and the Abadie–Imbens
(2016) adjustment for an estimated propensity score
(include/causal/match.h, docs/methods/matching.md)::

    import causal
    covs = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
    m = causal.match(df, "treat", covs, caliper=0.2, distance="linear")
    m["weights"], m["subclass"], m["n_unmatched_treated"]
    e = causal.match(df, "treat", covs, outcome="re78")   # + effect, CR SE
    e["estimate"], e["std_error"]
    a = causal.match_ai(df, "re78", "treat", X=["age", "educ", "re74"],
                        estimand="ATE", M=4, bias_adjust=True)
    p = causal.match_ai(df, "re78", "treat", covariates=covs,
                        on_score=True, ps_adjust=True)   # AI (2016) SE

``data`` may be a :class:`causal.Dataset`, a pandas DataFrame or a dict of
columns. The plain bootstrap is not offered: it is not valid for
nearest-neighbour matching (Abadie and Imbens 2008).
"""

import ctypes

from . import _compat, _lib
from ._handle import Handle, new_out
from .regress import _columns_of, _dataset, _pick
from .result import Result

__all__ = ["match", "match_ai", "MatchResult", "ESTIMAND", "ORDER",
           "DISTANCE"]

_P = ctypes.POINTER
_V = ctypes.c_void_p
_S = ctypes.c_char_p
_SIGNATURES = {
    "causal_match_new": (ctypes.c_int, [_P(_V)]),
    "causal_match_free": (None, [_V]),
    "causal_match_set_treatment": (ctypes.c_int, [_V, _S]),
    "causal_match_set_outcome": (ctypes.c_int, [_V, _S]),
    "causal_match_set_score": (ctypes.c_int, [_V, _S]),
    "causal_match_add_covariate": (ctypes.c_int, [_V, _S]),
    "causal_match_add_mahalanobis": (ctypes.c_int, [_V, _S]),
    "causal_match_add_exact": (ctypes.c_int, [_V, _S]),
    "causal_match_set_int": (ctypes.c_int, [_V, ctypes.c_int,
                                            ctypes.c_int64]),
    "causal_match_set_double": (ctypes.c_int, [_V, ctypes.c_int,
                                               ctypes.c_double]),
    "causal_match_get_int": (ctypes.c_int, [_V, ctypes.c_int,
                                            _P(ctypes.c_int64)]),
    "causal_match_get_double": (ctypes.c_int, [_V, ctypes.c_int,
                                               _P(ctypes.c_double)]),
    "causal_match_bounds": (ctypes.c_int, [ctypes.c_int,
                                           _P(ctypes.c_double),
                                           _P(ctypes.c_double)]),
    "causal_match_fit": (ctypes.c_int, [_P(_V), _V, _V]),
    "causal_match_effect": (ctypes.c_int, [_P(_V), _V, _V]),
    "causal_match_ai": (ctypes.c_int, [_P(_V), _V, _V]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

# pinned values (include/causal/match.h)
ESTIMAND = {"att": 1, "atc": 2, "ate": 3}
ORDER = {"default": 0, "largest": 1, "smallest": 2, "random": 3, "data": 4}
DISTANCE = {"ps": 1, "glm": 1, "linear": 2, "linear.logit": 2,
            "mahalanobis": 3}
(_K_ESTIMAND, _K_RATIO, _K_REPLACE, _K_ORDER, _K_DISTANCE, _K_SEED,
 _K_STDCAL, _K_M, _K_BIAS, _K_WEIGHT, _K_ONSCORE, _K_PSADJ, _K_VARM,
 _K_COMPAT) = range(1, 15)
_K_CALIPER, _K_LEVEL = 101, 102


class _Spec(Handle):
    _free_name = "causal_match_free"
    _type_name = "MatchSpec"

    def __init__(self):
        out = new_out()
        _lib.call("causal_match_new", ctypes.byref(out))
        self._adopt(out)

    def set(self, fname, value, what):
        _lib.call(fname, self._handle, _compat.encode(value, what))

    def set_int(self, key, value):
        if isinstance(value, bool):
            value = int(value)
        if not isinstance(value, int):
            raise TypeError("option %d needs an integer, not %r"
                            % (key, value))
        _lib.call("causal_match_set_int", self._handle, key, value)

    def set_double(self, key, value):
        _lib.call("causal_match_set_double", self._handle, key, float(value))


def _names(v, what):
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    out = list(v)
    for s in out:
        if not isinstance(s, str):
            raise TypeError("%s must hold column names (str), not %r"
                            % (what, s))
    return out


class MatchResult(Result):
    """Result of :func:`match` / :func:`match_ai` (a :class:`Result`)."""

    def __str__(self):
        k = self.kind
        lines = []
        if k in ("match", "match_effect"):
            lines.append("Nearest-neighbour matching (%s, ratio %d%s)" % (
                self["estimand"], int(self["ratio"]),
                ", with replacement" if self["replace"] else ""))
            lines.append("  treated: %d matched, %d unmatched" % (
                self["n_matched_treated"], self["n_unmatched_treated"]))
            lines.append("  control: %d matched, %d unmatched" % (
                self["n_matched_control"], self["n_unmatched_control"]))
        if k in ("match_effect", "match_ai"):
            lines.append("  estimate %.6g  std. error %.6g (%s)" % (
                self["estimate"], self["std_error"], self["vcov_type"]))
            lines.append("  95%% CI [%.6g, %.6g]  p = %.4g" % (
                self["conf_low"], self["conf_high"], self["p_value"]))
        return "\n".join(lines) if lines else Result.__repr__(self)


def match(data, treatment, covariates=None, *, outcome=None, score=None,
          distance="ps", ratio=1, replace=False, caliper=None,
          std_caliper=True, order="default", estimand="ATT", exact=None,
          mahalanobis=None, seed=1, compat=False, conf_level=0.95):
    """Greedy nearest-neighbour matching (MatchIt ``method="nearest"``).

    covariates: terms of the logistic propensity model (or give ``score``,
    a column used as the distance). distance: "ps" (fitted probability),
    "linear" (linear predictor) or "mahalanobis" (on ``mahalanobis``
    columns only). ``mahalanobis`` with a score distance: Mahalanobis
    matching within the score caliper. caliper in SD units of the score
    unless ``std_caliper=False``. order: "largest", "smallest", "random"
    (seeded), "data" or "default". estimand "ATT" or "ATC" (ATE is
    refused). compat=True reproduces MatchIt 4.5.1's truncated score
    comparisons. With ``outcome`` the result also has the effect and its
    cluster-robust (subclass) SE."""
    covs = _names(covariates, "covariates")
    mah = _names(mahalanobis, "mahalanobis")
    ex = _names(exact, "exact")
    used = [treatment] + _columns_of(covs) + mah + ex
    for c in (outcome, score):
        if c is not None:
            used.append(c)
    used = list(dict.fromkeys(used))
    ds = _dataset(data, used)
    s = _Spec()
    try:
        s.set("causal_match_set_treatment", treatment, "treatment")
        if outcome is not None:
            s.set("causal_match_set_outcome", outcome, "outcome")
        if score is not None:
            s.set("causal_match_set_score", score, "score")
        for c in covs:
            s.set("causal_match_add_covariate", c, "covariate")
        for c in mah:
            s.set("causal_match_add_mahalanobis", c, "mahalanobis")
        for c in ex:
            s.set("causal_match_add_exact", c, "exact")
        s.set_int(_K_DISTANCE, _pick(DISTANCE, distance, "distance"))
        s.set_int(_K_RATIO, ratio)
        s.set_int(_K_REPLACE, 1 if replace else 0)
        s.set_int(_K_ORDER, _pick(ORDER, order, "order"))
        s.set_int(_K_ESTIMAND, _pick(ESTIMAND, estimand, "estimand"))
        s.set_int(_K_SEED, seed)
        s.set_int(_K_STDCAL, 1 if std_caliper else 0)
        s.set_int(_K_COMPAT, 1 if compat else 0)
        if caliper is not None:
            s.set_double(_K_CALIPER, caliper)
        s.set_double(_K_LEVEL, conf_level)
        out = new_out()
        fn = "causal_match_effect" if outcome is not None else \
            "causal_match_fit"
        _lib.call(fn, ctypes.byref(out), s._handle, ds._handle)
        return MatchResult._wrap(out)
    finally:
        s.close()


def match_ai(data, outcome, treatment, X=None, *, covariates=None,
             score=None, on_score=False, M=1, estimand="ATT",
             bias_adjust=False, weight=1, var_matches=0, ps_adjust=False,
             conf_level=0.95):
    """Abadie–Imbens matching estimator (R ``Matching::Match`` with
    ``replace=TRUE, ties=TRUE``): match on the columns ``X`` (Weight 1:
    inverse variances, 2: Mahalanobis) or, with ``on_score=True``, on
    ``score`` or the propensity score fitted from ``covariates``; M
    matches, all ties kept; estimand ATT, ATC or ATE; regression bias
    adjustment; AI (2006) SE (homoskedastic, or heteroskedastic with
    ``var_matches`` = Var.calc > 0). ``ps_adjust=True`` (matching on the
    score estimated from ``covariates``) gives the Abadie–Imbens (2016)
    SE; the unadjusted one is then ``std_error_unadjusted``."""
    xs = _names(X, "X")
    covs = _names(covariates, "covariates")
    used = [outcome, treatment] + xs + _columns_of(covs)
    if score is not None:
        used.append(score)
    ds = _dataset(data, list(dict.fromkeys(used)))
    s = _Spec()
    try:
        s.set("causal_match_set_treatment", treatment, "treatment")
        s.set("causal_match_set_outcome", outcome, "outcome")
        if score is not None:
            s.set("causal_match_set_score", score, "score")
        for c in covs:
            s.set("causal_match_add_covariate", c, "covariate")
        for c in xs:
            s.set("causal_match_add_mahalanobis", c, "X")
        s.set_int(_K_ESTIMAND, _pick(ESTIMAND, estimand, "estimand"))
        s.set_int(_K_M, M)
        s.set_int(_K_BIAS, 1 if bias_adjust else 0)
        s.set_int(_K_WEIGHT, weight)
        s.set_int(_K_ONSCORE, 1 if on_score else 0)
        s.set_int(_K_PSADJ, 1 if ps_adjust else 0)
        s.set_int(_K_VARM, var_matches)
        s.set_double(_K_LEVEL, conf_level)
        out = new_out()
        _lib.call("causal_match_ai", ctypes.byref(out), s._handle,
                  ds._handle)
        return MatchResult._wrap(out)
    finally:
        s.close()
