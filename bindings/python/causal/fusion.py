"""Fusion of randomized and observational evidence (``causal_fusion``,
include/causal/fusion.h; formulas and assumptions in docs/methods/fusion.md)::

    import causal
    r = causal.fuse([0.0522, 0.0489], [0.0085, 0.0092])     # IVW
    r["estimate"], r["std_error"], r["rct_weight"], r["efficiency_gain"]
    causal.fuse(est, se, method="reml")["tau2"]
    causal.fusion_curve(est, se, [0, 1e-5, 1e-4, float("inf")])
    causal.fuse_strata(rct, rct_se, obs, method="kappa2")
    causal.fuse_data(df, "y", "a", "source", terms=["x"], stratum="s")

Source 0 is the randomized one unless ``rct=`` says otherwise. Methods:
"ivw", "dl", "reml", "power-prior", "test-then-pool", "mse", "mixture".
Every call returns a :class:`causal.Result`.
"""

import ctypes


from . import _compat, _lib
from ._handle import Handle, new_out
from .regress import VCOV, _dataset, _pick
from .result import Result

__all__ = ["fuse", "fusion_curve", "fuse_strata", "fuse_data", "transport",
           "surrogate_index", "Fusion",
           "METHOD", "STRATA_METHOD"]

_P = ctypes.POINTER
_h = ctypes.c_void_p
_s = ctypes.c_char_p
_d = _P(ctypes.c_double)
_z = ctypes.c_size_t
_SIGNATURES = {
    "causal_fusion_new": (ctypes.c_int, [_P(_h), ctypes.c_int]),
    "causal_fusion_free": (None, [_h]),
    "causal_fusion_set_int": (ctypes.c_int, [_h, ctypes.c_int,
                                             ctypes.c_int64]),
    "causal_fusion_set_double": (ctypes.c_int, [_h, ctypes.c_int,
                                                ctypes.c_double]),
    "causal_fusion_get_int": (ctypes.c_int, [_h, ctypes.c_int,
                                             _P(ctypes.c_int64)]),
    "causal_fusion_get_double": (ctypes.c_int, [_h, ctypes.c_int,
                                                _P(ctypes.c_double)]),
    "causal_fusion_bounds": (ctypes.c_int, [ctypes.c_int, _d, _d]),
    "causal_fusion_estimates": (ctypes.c_int, [_P(_h), _h, _d, _d, _z, _d]),
    "causal_fusion_curve": (ctypes.c_int, [_P(_h), _h, _d, _d, _z, _d, _d,
                                           _z]),
    "causal_fusion_strata": (ctypes.c_int, [_P(_h), ctypes.c_int, _d, _d, _d,
                                            _d, _z]),
    "causal_fusion_set_outcome": (ctypes.c_int, [_h, _s]),
    "causal_fusion_set_treatment": (ctypes.c_int, [_h, _s]),
    "causal_fusion_set_source": (ctypes.c_int, [_h, _s]),
    "causal_fusion_set_stratum": (ctypes.c_int, [_h, _s]),
    "causal_fusion_add_term": (ctypes.c_int, [_h, _s]),
    "causal_fusion_fit": (ctypes.c_int, [_P(_h), _h, _h]),
    "causal_fusion_transport": (ctypes.c_int, [_P(_h), _h, _h]),
    "causal_fusion_add_surrogate": (ctypes.c_int, [_h, _s]),
    "causal_fusion_surrogate": (ctypes.c_int, [_P(_h), _h, _h]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

#: Estimate-level methods by name (pinned codes of include/causal/fusion.h).
METHOD = {"ivw": 1, "fe": 1, "fixed": 1, "dl": 2, "reml": 3,
          "power-prior": 4, "power_prior": 4, "test-then-pool": 5,
          "test_then_pool": 5, "mse": 6, "mixture": 7}
#: Strata shrinkage methods by name.
STRATA_METHOD = {"kappa1": 1, "kappa1+": 1, "kappa2": 2, "kappa2+": 2,
                 "green-strawderman": 3, "gs": 3, "eb-double": 4,
                 "eb_double": 4}
_OBS = {"regression": 1, "ipw": 2, "aipw": 3}
_KEY = dict(method=1, rct=2, maxiter=3, obs_estimator=4, rct_adjust=5,
            vcov=6, transport=7)
_TRANSPORT = {"ipsw": 1, "aipsw": 2}
_DKEY = dict(conf_level=101, bias_variance=102, pretest_alpha=103,
             mix_weight=104, mix_sd=105, tol=106)


def _vec(x, what, n=None):
    if x is None:
        return None, 0
    vals = [float(v) for v in _compat_list(x)]
    if n is not None and len(vals) != n:
        raise ValueError("%s has %d values, expected %d" % (what, len(vals),
                                                            n))
    return (ctypes.c_double * max(len(vals), 1))(*vals), len(vals)


def _compat_list(x):
    if hasattr(x, "tolist"):
        x = x.tolist()
    if isinstance(x, (int, float)):
        return [x]
    out = []
    for v in x:
        if isinstance(v, (list, tuple)) or hasattr(v, "tolist"):
            out.extend(_compat_list(v))
        else:
            out.append(v)
    return out


def _cov(cov, k):
    """Column-major doubles of a k x k matrix (nested rows or numpy)."""
    if cov is None:
        return None
    if hasattr(cov, "tolist"):
        cov = cov.tolist()
    rows = [list(r) for r in cov]
    if len(rows) != k or any(len(r) != k for r in rows):
        raise ValueError("cov must be %d x %d" % (k, k))
    vals = [float(rows[i][j]) for j in range(k) for i in range(k)]
    return (ctypes.c_double * len(vals))(*vals)


class Fusion(Handle):
    """A ``causal_fusion`` specification (low level: the functions below
    build one, use it and free it)."""

    _free_name = "causal_fusion_free"
    _type_name = "Fusion"

    def __init__(self, method="ivw", **options):
        out = new_out()
        _lib.call("causal_fusion_new", ctypes.byref(out),
                  _pick(METHOD, method, "method"))
        self._adopt(out)
        for k, v in options.items():
            if v is None:
                continue
            self.set(k, v)

    def set(self, key, value):
        """Set an option by name (``conf_level``, ``bias_variance``, ...)."""
        h = self._handle
        if key == "vcov":
            value = _pick(VCOV, value, "vcov")
        elif key == "obs_estimator":
            value = _pick(_OBS, value, "obs_estimator")
        elif key == "transport":
            value = _pick(_TRANSPORT, value, "transport")
        elif key == "rct_adjust":
            value = int(bool(value))
        if key in _KEY:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("%s must be an integer, not %r"
                                % (key, value))
            _lib.call("causal_fusion_set_int", h, _KEY[key], value)
        elif key in _DKEY:
            _lib.call("causal_fusion_set_double", h, _DKEY[key],
                      float(value))
        else:
            raise KeyError("no fusion option %r (options: %s)"
                           % (key, ", ".join(sorted(list(_KEY)
                                                    + list(_DKEY)))))

    def get(self, key):
        """The value of an option by name."""
        if key in _KEY:
            v = ctypes.c_int64()
            _lib.call("causal_fusion_get_int", self._handle, _KEY[key],
                      ctypes.byref(v))
            return v.value
        if key in _DKEY:
            v = ctypes.c_double()
            _lib.call("causal_fusion_get_double", self._handle, _DKEY[key],
                      ctypes.byref(v))
            return v.value
        raise KeyError("no fusion option %r" % (key,))

    @staticmethod
    def bounds(key):
        """(min, max) allowed for an option."""
        k = _KEY.get(key, _DKEY.get(key))
        if k is None:
            raise KeyError("no fusion option %r" % (key,))
        lo, hi = ctypes.c_double(), ctypes.c_double()
        _lib.call("causal_fusion_bounds", k, ctypes.byref(lo),
                  ctypes.byref(hi))
        return lo.value, hi.value

    def estimates(self, est, se=None, cov=None):
        y, k = _vec(est, "est")
        s, _ = _vec(se, "se", k)
        out = new_out()
        _lib.call("causal_fusion_estimates", ctypes.byref(out), self._handle,
                  y, s, k, _cov(cov, k))
        return Result._wrap(out)

    def curve(self, est, se, bias_variances, cov=None):
        y, k = _vec(est, "est")
        s, _ = _vec(se, "se", k)
        g, ng = _vec(bias_variances, "bias_variances")
        out = new_out()
        _lib.call("causal_fusion_curve", ctypes.byref(out), self._handle,
                  y, s, k, _cov(cov, k), g, ng)
        return Result._wrap(out)

    def fit(self, ds):
        out = new_out()
        _lib.call("causal_fusion_fit", ctypes.byref(out), self._handle,
                  ds._handle)
        return Result._wrap(out)


def fuse(est, se=None, *, cov=None, method="ivw", rct=0, conf_level=None,
         bias_variance=None, pretest_alpha=None, mix_weight=None,
         mix_sd=None, maxiter=None, tol=None):
    """Fuse k estimates (``est`` with standard errors ``se`` or a k x k
    covariance ``cov``); source ``rct`` is the randomized one. Returns the
    Result of ``causal_fusion_estimates`` (estimate, std_error, conf_low,
    conf_high, weights, rct_weight, efficiency_gain, the bias diagnostic;
    tau2/i2/h2 for random effects)."""
    with Fusion(method, rct=rct, conf_level=conf_level,
                bias_variance=bias_variance, pretest_alpha=pretest_alpha,
                mix_weight=mix_weight, mix_sd=mix_sd, maxiter=maxiter,
                tol=tol) as f:
        return f.estimates(est, se, cov)


def fusion_curve(est, se, bias_variances, *, cov=None, rct=0,
                 conf_level=None):
    """The power-prior fusion over a grid of assumed bias variances
    (vectors estimate, std_error, conf_low, conf_high, rct_weight,
    efficiency_gain, power)."""
    with Fusion("power-prior", rct=rct, conf_level=conf_level) as f:
        return f.curve(est, se, bias_variances, cov)


def fuse_strata(rct_est, rct_se, obs_est, obs_se=None, *, method="kappa1"):
    """Shrink per-stratum RCT estimates toward observational ones
    (kappa1+, kappa2+, Green-Strawderman, EB double shrinkage)."""
    a, K = _vec(rct_est, "rct_est")
    b, _ = _vec(rct_se, "rct_se", K)
    c, _ = _vec(obs_est, "obs_est", K)
    d, _ = _vec(obs_se, "obs_se", K)
    out = new_out()
    _lib.call("causal_fusion_strata", ctypes.byref(out),
              _pick(STRATA_METHOD, method, "method"), a, b, c, d, K)
    return Result._wrap(out)


def fuse_data(data, outcome, treatment, source, *, terms=(), stratum=None,
              method="ivw", rct_adjust=False, vcov="hc2",
              obs_estimator="regression", conf_level=None, **options):
    """The data-level pipeline on one dataset with randomized (source = 1)
    and observational (source = 0) rows: RCT and observational estimates,
    their consistency test, the fused estimate and (with ``stratum``) the
    per-stratum table "strata"."""
    terms = list(terms)
    used = [outcome, treatment, source] + terms + (
        [stratum] if stratum is not None else [])
    ds = _dataset(data, used)
    enc = _compat.encode
    with Fusion(method, rct_adjust=rct_adjust, vcov=vcov,
                obs_estimator=obs_estimator, conf_level=conf_level,
                **options) as f:
        h = f._handle
        _lib.call("causal_fusion_set_outcome", h, enc(outcome, "outcome"))
        _lib.call("causal_fusion_set_treatment", h,
                  enc(treatment, "treatment"))
        _lib.call("causal_fusion_set_source", h, enc(source, "source"))
        if stratum is not None:
            _lib.call("causal_fusion_set_stratum", h,
                      enc(stratum, "stratum"))
        for t in terms:
            _lib.call("causal_fusion_add_term", h, enc(t, "term"))
        return f.fit(ds)


def _roles(f, outcome, treatment, source, terms, stratum=None,
           surrogates=()):
    enc = _compat.encode
    h = f._handle
    _lib.call("causal_fusion_set_outcome", h, enc(outcome, "outcome"))
    _lib.call("causal_fusion_set_treatment", h, enc(treatment, "treatment"))
    _lib.call("causal_fusion_set_source", h, enc(source, "source"))
    if stratum is not None:
        _lib.call("causal_fusion_set_stratum", h, enc(stratum, "stratum"))
    for t in terms:
        _lib.call("causal_fusion_add_term", h, enc(t, "term"))
    for t in surrogates:
        _lib.call("causal_fusion_add_surrogate", h, enc(t, "surrogate"))


def transport(data, outcome, treatment, source, *, terms=(),
              method="ipsw", conf_level=None):
    """Transport the randomized effect (source = 1 rows) to the population
    of the source = 0 rows by IPSW or AIPSW (sampling model: logit of the
    source on ``terms``). Result kind "fusion_transport"."""
    terms = list(terms)
    ds = _dataset(data, [outcome, treatment, source] + terms)
    with Fusion("ivw", transport=method, conf_level=conf_level) as f:
        _roles(f, outcome, treatment, source, terms)
        out = new_out()
        _lib.call("causal_fusion_transport", ctypes.byref(out), f._handle,
                  ds._handle)
        return Result._wrap(out)


def surrogate_index(data, outcome, treatment, source, surrogates, *,
                    terms=(), vcov="hc2", conf_level=None):
    """Surrogate index (Athey, Chetty, Imbens & Kang 2019): the long-term
    ``outcome`` is modelled on ``surrogates`` (+ ``terms``) in the
    source = 0 rows and the effect on the predicted index estimated in the
    source = 1 (experiment) rows. Result kind "fusion_surrogate"."""
    terms, surrogates = list(terms), list(surrogates)
    ds = _dataset(data, [outcome, treatment, source] + terms + surrogates)
    with Fusion("ivw", vcov=vcov, conf_level=conf_level) as f:
        _roles(f, outcome, treatment, source, terms, surrogates=surrogates)
        out = new_out()
        _lib.call("causal_fusion_surrogate", ctypes.byref(out), f._handle,
                  ds._handle)
        return Result._wrap(out)
