"""A/B test design and Bayesian decisions: power and sample size,
group-sequential designs and monitoring, the mixture SPRT, Bayesian A/B
comparisons and ship decisions (include/causal/power.h, sequential.h,
bayes_ab.h; formulas in docs/methods/power.md, sequential.md,
bayes_ab.md)::

    import causal
    causal.power("prop_pooled", baseline=0.10, effect=0.02, power=0.8)["n"]
    causal.power("mean_t", effect=1, sd=2, n=40, solve="power")["power"]
    d = causal.gs_design([0.2, 0.4, 0.6, 0.8, 1], alpha=0.05, sides=2,
                         spending="obf")
    d["upper"]                                 # 4.877 3.357 2.680 2.290 2.031
    m = causal.GroupSequential(sides=2, alpha=0.05, spending="obf")
    m.look(0.2, 1.3)                           # "continue"
    blob = m.serialize(); m2 = causal.GroupSequential.deserialize(blob)
    causal.msprt(estimates, variances, tau2=0.01)["p_value"]
    causal.bayes_beta(120, 1000, 140, 1000)["prob_b_beats_a"]
    causal.decide({"revenue": (0.05, 0.01)}, guardrails={"latency": (0.001,
                  0.005, 0.02, -1)})["decision"]
"""

import ctypes
import math

from . import _lib
from ._handle import Handle, new_out
from .result import Result

__all__ = ["power", "gs_design", "GroupSequential", "msprt", "bayes_beta",
           "bayes_normal", "bayes_normal_nig", "bayes_gamma", "prob_beta", "decide", "pnt"]

_P = ctypes.POINTER
_d, _i, _sz, _v = ctypes.c_double, ctypes.c_int, ctypes.c_size_t, \
    ctypes.c_void_p
_pd = _P(_d)
_SIGNATURES = {
    "causal_power_new": (_i, [_P(_v), _i]),
    "causal_power_free": (None, [_v]),
    "causal_power_set_int": (_i, [_v, _i, ctypes.c_int64]),
    "causal_power_set_double": (_i, [_v, _i, _d]),
    "causal_power_bounds": (_i, [_i, _pd, _pd]),
    "causal_power_solve": (_i, [_P(_v), _v]),
    "causal_pnt": (_d, [_d, _d, _d, _i]),
    "causal_gs_new": (_i, [_P(_v), _i, _d, _i, _d]),
    "causal_gs_free": (None, [_v]),
    "causal_gs_set_int": (_i, [_v, _i, ctypes.c_int64]),
    "causal_gs_set_double": (_i, [_v, _i, _d]),
    "causal_gs_bounds": (_i, [_i, _pd, _pd]),
    "causal_gs_design": (_i, [_P(_v), _v, _pd, _sz]),
    "causal_gs_look": (_i, [_v, _d, _d, _P(_i)]),
    "causal_gs_nlooks": (_sz, [_v]),
    "causal_gs_result": (_i, [_P(_v), _v]),
    "causal_gs_serialize": (_i, [_v, _P(_P(ctypes.c_uint8)), _P(_sz)]),
    "causal_gs_deserialize": (_i, [_P(_v), _P(ctypes.c_uint8), _sz]),
    "causal_gs_spend": (_d, [_i, _d, _d, _d]),
    "causal_msprt": (_i, [_P(_v), _pd, _pd, _sz, _d, _d, _d]),
    "causal_bayes_beta": (_i, [_P(_v), _d, _d, _d, _d, _d, _d, _d]),
    "causal_bayes_normal": (_i, [_P(_v), _d, _d, _d, _d, _d, _d, _d, _d,
                                 _d]),
    "causal_bayes_gamma": (_i, [_P(_v), _d, _d, _d, _d, _d, _d, _d]),
    "causal_bayes_normal_nig": (_i, [_P(_v)] + [_d] * 11),
    "causal_bayes_prob_beta": (_i, [_d, _d, _d, _d, _i, _pd]),
    "causal_decision_evaluate": (_i, [_P(_v), _sz, _P(ctypes.c_char_p), _pd,
                                      _pd, _P(_i), _P(_i), _pd, _pd, _d]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

METHODS = {"prop_pooled": 1, "prop_unpooled": 2, "prop_arcsine": 3,
           "prop_baseline": 4, "mean_t": 5, "mean_z": 6, "ratio": 7}
_SOLVE = {"n": 1, "power": 2, "effect": 3}
_SAMPLE = {"two_sample": 1, "one_sample": 2, "paired": 3}
_MULT = {"none": 0, "bonferroni": 1, "dunnett": 2}
_REAL = {"alpha": 101, "power": 102, "n": 103, "effect": 104,
         "baseline": 105, "sd": 106, "ratio": 107, "rho": 108,
         "num_mean": 109, "den_mean": 110, "num_var": 111, "den_var": 112,
         "num_den_cov": 113}
SPENDING = {"none": 0, "obf": 1, "pocock": 2, "hsd": 3, "power": 4}
_DECISIONS = {0: "continue", 1: "reject", 2: "futility", 3: "accept"}


def _arr(xs):
    xs = [float(x) for x in xs]
    return (_d * len(xs))(*xs), len(xs)


class _Power(Handle):
    _free_name = "causal_power_free"
    _type_name = "power"


def power(method, solve=None, sides=2, strict=False, relative=False,
          arms=2, multiplicity="bonferroni", sample="two_sample", **values):
    """Solve a power / sample-size problem; returns a :class:`Result`.

    ``method`` is one of :data:`METHODS`; give all but one of ``n``,
    ``power``, ``effect`` (the missing one is solved for unless ``solve``
    says otherwise) and the method's quantities (``baseline``, ``sd``,
    ``ratio``, ``rho``, ``num_mean``, ...)."""
    if method not in METHODS:
        raise ValueError("method must be one of %s" % sorted(METHODS))
    if solve is None:
        missing = [k for k in ("n", "power", "effect") if k not in values]
        if len(missing) != 1:
            raise ValueError("give exactly two of n, power, effect (or "
                             "solve=)")
        solve = missing[0]
    out = new_out()
    _lib.call("causal_power_new", ctypes.byref(out), METHODS[method])
    h = _Power()
    h._adopt(out)
    ints = [(1, _SOLVE[solve]), (2, sides), (3, int(bool(strict))),
            (4, int(bool(relative))), (5, arms), (6, _MULT[multiplicity]),
            (7, _SAMPLE[sample])]
    for k, v in ints:
        _lib.call("causal_power_set_int", h._handle, k, int(v))
    for k, v in values.items():
        if k not in _REAL:
            raise TypeError("unknown design quantity %r" % k)
        _lib.call("causal_power_set_double", h._handle, _REAL[k], float(v))
    res = new_out()
    _lib.call("causal_power_solve", ctypes.byref(res), h._handle)
    h.close()
    return Result._wrap(res)


def pnt(t, df, ncp, lower_tail=True):
    """Noncentral t distribution function (``causal_pnt``)."""
    return _lib.fn("causal_pnt")(float(t), float(df), float(ncp),
                                 1 if lower_tail else 0)


class GroupSequential(Handle):
    """A group-sequential design and its monitoring state."""

    _free_name = "causal_gs_free"
    _type_name = "GroupSequential"

    def __init__(self, sides=2, alpha=0.05, spending="obf", param=0.0,
                 convention="per_side", futility="none", futility_param=0.0,
                 beta=0.1, drift=None, binding=False):
        out = new_out()
        _lib.call("causal_gs_new", ctypes.byref(out), int(sides),
                  float(alpha), SPENDING[spending], float(param))
        self._adopt(out)
        conv = {"per_side": 1, "total": 2}[convention]
        _lib.call("causal_gs_set_int", self._handle, 1, conv)
        _lib.call("causal_gs_set_int", self._handle, 2, SPENDING[futility])
        _lib.call("causal_gs_set_int", self._handle, 3, 1 if binding else 0)
        _lib.call("causal_gs_set_double", self._handle, 101, float(beta))
        _lib.call("causal_gs_set_double", self._handle, 102,
                  float(futility_param))
        if drift is not None:
            _lib.call("causal_gs_set_double", self._handle, 103, float(drift))

    def design(self, frac):
        """Boundaries at the information fractions ``frac`` (last = 1)."""
        arr, n = _arr(frac)
        out = new_out()
        _lib.call("causal_gs_design", ctypes.byref(out), self._handle, arr, n)
        return Result._wrap(out)

    def look(self, frac, z):
        """Add a look; returns "continue", "reject", "futility" or
        "accept"."""
        d = ctypes.c_int()
        _lib.call("causal_gs_look", self._handle, float(frac), float(z),
                  ctypes.byref(d))
        return _DECISIONS[d.value]

    def __len__(self):
        return _lib.fn("causal_gs_nlooks")(self._handle)

    def result(self):
        out = new_out()
        _lib.call("causal_gs_result", ctypes.byref(out), self._handle)
        return Result._wrap(out)

    def serialize(self):
        buf = _P(ctypes.c_uint8)()
        n = _sz()
        _lib.call("causal_gs_serialize", self._handle, ctypes.byref(buf),
                  ctypes.byref(n))
        try:
            return ctypes.string_at(buf, n.value)
        finally:
            _lib.fn("causal_free")(ctypes.cast(buf, _v))

    @classmethod
    def deserialize(cls, blob):
        blob = bytes(blob)
        arr = (ctypes.c_uint8 * len(blob)).from_buffer_copy(blob)
        out = new_out()
        _lib.call("causal_gs_deserialize", ctypes.byref(out), arr, len(blob))
        self = cls.__new__(cls)
        self._adopt(out)
        return self


def gs_design(frac, **kw):
    """Boundaries of a group-sequential design (see GroupSequential)."""
    with GroupSequential(**kw) as g:
        return g.design(frac)


def msprt(estimate, variance, tau2, alpha=0.05, theta0=0.0):
    """Mixture SPRT over a sequence of looks (always-valid p-values and
    confidence sequence)."""
    e, n = _arr(estimate)
    v, m = _arr(variance)
    if n != m:
        raise ValueError("estimate and variance differ in length")
    out = new_out()
    _lib.call("causal_msprt", ctypes.byref(out), e, v, n, float(tau2),
              float(alpha), float(theta0))
    return Result._wrap(out)


def bayes_beta(s_a, n_a, s_b, n_b, prior=(1.0, 1.0), cred_level=0.95):
    """Beta-Bernoulli comparison of successes / trials."""
    out = new_out()
    _lib.call("causal_bayes_beta", ctypes.byref(out), float(s_a), float(n_a),
              float(s_b), float(n_b), float(prior[0]), float(prior[1]),
              float(cred_level))
    return Result._wrap(out)


def bayes_normal(mean_a, sd_a, n_a, mean_b, sd_b, n_b, prior_mean=0.0,
                 prior_sd=math.inf, cred_level=0.95):
    """Normal model for a continuous metric (plug-in variance)."""
    out = new_out()
    _lib.call("causal_bayes_normal", ctypes.byref(out), float(mean_a),
              float(sd_a), float(n_a), float(mean_b), float(sd_b),
              float(n_b), float(prior_mean), float(prior_sd),
              float(cred_level))
    return Result._wrap(out)


def bayes_normal_nig(mean_a, sd_a, n_a, mean_b, sd_b, n_b, prior_mean=0.0,
                     prior_kappa=0.0, prior_shape=-0.5, prior_scale=0.0,
                     cred_level=0.95):
    """Normal model with unknown variance (Normal-Inverse-Gamma prior).

    The defaults are the reference prior 1/sigma^2: each arm's mean is
    t_{n-1}(mean, sd / sqrt(n)) a posteriori."""
    out = new_out()
    _lib.call("causal_bayes_normal_nig", ctypes.byref(out), float(mean_a),
              float(sd_a), float(n_a), float(mean_b), float(sd_b),
              float(n_b), float(prior_mean), float(prior_kappa),
              float(prior_shape), float(prior_scale), float(cred_level))
    return Result._wrap(out)


def bayes_gamma(y_a, e_a, y_b, e_b, prior=(1.0, 0.0), cred_level=0.95):
    """Gamma-Poisson comparison of counts y over exposures e."""
    out = new_out()
    _lib.call("causal_bayes_gamma", ctypes.byref(out), float(y_a), float(e_a),
              float(y_b), float(e_b), float(prior[0]), float(prior[1]),
              float(cred_level))
    return Result._wrap(out)


def prob_beta(a1, b1, a2, b2, method="quadrature"):
    """P(X_B > X_A) for Beta(a1, b1) and Beta(a2, b2)."""
    p = _d()
    _lib.call("causal_bayes_prob_beta", float(a1), float(b1), float(a2),
              float(b2), {"quadrature": 0, "sum": 1}[method], ctypes.byref(p))
    return p.value


def decide(goals, guardrails=None, alpha=0.05):
    """Ship / hold / stop. ``goals``: {name: (estimate, se[, weight[,
    direction]])}; ``guardrails``: {name: (estimate, se, margin[,
    direction])}."""
    guardrails = guardrails or {}
    names, est, se, role, dirn, w, mar = [], [], [], [], [], [], []
    for k, v in goals.items():
        v = tuple(v) + (1.0, 1)[len(v) - 2:]
        names.append(k)
        est.append(v[0])
        se.append(v[1])
        w.append(v[2])
        dirn.append(int(v[3]))
        role.append(1)
        mar.append(0.0)
    for k, v in guardrails.items():
        v = tuple(v) + (1,)[len(v) - 3:]
        names.append(k)
        est.append(v[0])
        se.append(v[1])
        mar.append(v[2])
        dirn.append(int(v[3]))
        role.append(2)
        w.append(0.0)
    m = len(names)
    cn = (ctypes.c_char_p * m)(*[n.encode("utf-8") for n in names])
    ints = lambda xs: (_i * m)(*xs)  # noqa: E731
    out = new_out()
    _lib.call("causal_decision_evaluate", ctypes.byref(out), m, cn,
              _arr(est)[0], _arr(se)[0], ints(role), ints(dirn), _arr(w)[0],
              _arr(mar)[0], float(alpha))
    return Result._wrap(out)
