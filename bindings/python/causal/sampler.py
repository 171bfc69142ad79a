"""Bayesian samplers and MCMC diagnostics (include/causal/sampler.h;
formulas in docs/methods/sampler.md)::

    import causal, numpy as np
    # exact conjugate posteriors, sampled
    r = causal.beta_binomial(37, 120, a0=1, b0=1, seed=1)
    r["summary"], r["exact_mean"]
    # revenue per user, two groups with unequal variances (Gibbs)
    r = causal.gibbs_two_group(y_a, y_b, seed=1)
    r.draws("diff")                      # (chains, samples) array
    # NUTS for any log density with gradient
    def logp_grad(theta):
        return -0.5 * theta @ theta, -theta
    r = causal.nuts(logp_grad, dim=3, seed=1)
    r["summary"], r["n_divergent_total"]
    # diagnostics on your own draws: shape (chains, iterations)
    causal.rhat(x), causal.ess_bulk(x), causal.ess_tail(x),
    causal.mcse_mean(x), causal.hdi(x, 0.9)

Results are :class:`SamplerResult` (a :class:`causal.Result`): entries
"draws" ((chains * samples) x P, chain-major rows), "summary" (P x 11:
mean, sd, mcse_mean, q5, q50, q95, hdi_low, hdi_high, rhat, ess_bulk,
ess_tail), NUTS statistics, exact posterior parameters for the conjugate
models. Diagnostics follow R package posterior 1.4.0.

The NUTS callable receives a float64 array (a fresh copy) and returns
``(logp, grad)``. Raising an exception stops the run: the exception is
re-raised as :class:`causal.InvalidArgumentError` with the original chained
(``__cause__``). Returning a NaN log density is treated as a divergence
inside a trajectory (as Stan does) and is an error at the initial point;
returning ``None`` rejects the point (outside the support).
"""

import ctypes
import math

from . import _compat, _lib
from ._handle import Handle, new_out
from .errors import error_class, make_error
from .result import Result

__all__ = ["nuts", "beta_binomial", "gamma_poisson", "normal_nig",
           "gibbs_two_group", "mcmc_summary", "rhat", "ess_bulk", "ess_tail",
           "ess_mean", "mcse_mean", "hdi", "SamplerResult", "LOGP_GRAD_FN"]

_P = ctypes.POINTER
_d, _i, _sz, _v, _i64 = (ctypes.c_double, ctypes.c_int, ctypes.c_size_t,
                         ctypes.c_void_p, ctypes.c_int64)
_pd = _P(_d)

#: C type of the log-density callback (causal_logp_grad_fn).
LOGP_GRAD_FN = ctypes.CFUNCTYPE(_i, _v, _pd, _sz, _pd, _pd)

_SIGNATURES = {
    "causal_sampler_new_beta_binomial": (_i, [_P(_v), _d, _d, _d, _d]),
    "causal_sampler_new_gamma_poisson": (_i, [_P(_v), _d, _d, _d, _d]),
    "causal_sampler_new_normal": (_i, [_P(_v), _pd, _sz, _d, _d, _d, _d]),
    "causal_sampler_new_gibbs_two_group": (_i, [_P(_v), _pd, _sz, _pd, _sz,
                                                _d, _d, _d, _d]),
    "causal_sampler_new_nuts": (_i, [_P(_v), _sz, LOGP_GRAD_FN, _v]),
    "causal_sampler_free": (None, [_v]),
    "causal_sampler_kind": (_i, [_v, _P(_i)]),
    "causal_sampler_set_int": (_i, [_v, _i, _i64]),
    "causal_sampler_set_double": (_i, [_v, _i, _d]),
    "causal_sampler_get_int": (_i, [_v, _i, _P(_i64)]),
    "causal_sampler_get_double": (_i, [_v, _i, _pd]),
    "causal_sampler_bounds": (_i, [_i, _pd, _pd]),
    "causal_sampler_set_init": (_i, [_v, _pd, _sz]),
    "causal_sampler_run": (_i, [_v, _P(_v)]),
    "causal_mcmc_rhat": (_i, [_pd, _sz, _sz, _pd]),
    "causal_mcmc_ess_bulk": (_i, [_pd, _sz, _sz, _pd]),
    "causal_mcmc_ess_tail": (_i, [_pd, _sz, _sz, _pd]),
    "causal_mcmc_ess_mean": (_i, [_pd, _sz, _sz, _pd]),
    "causal_mcmc_mcse_mean": (_i, [_pd, _sz, _sz, _pd]),
    "causal_mcmc_hdi": (_i, [_pd, _sz, _d, _pd, _pd]),
    "causal_mcmc_summary": (_i, [_P(_v), _pd, _sz, _sz, _sz,
                                 _P(ctypes.c_char_p), _d]),
}
if any(k not in _lib.SIGNATURES for k in _SIGNATURES):
    _lib.SIGNATURES.update(_SIGNATURES)
    _lib._fns.update(_lib._declare(_lib.lib))

_INT_OPTS = {"seed": 1, "chains": 2, "samples": 3, "warmup": 4,
             "max_treedepth": 5, "threads": 6, "adapt": 7, "thin": 8}
_DBL_OPTS = {"target_accept": 101, "step_size": 102, "init_radius": 103,
             "hdi_prob": 104, "max_delta_h": 105}


class SamplerResult(Result):
    """A :class:`causal.Result` of a sampler run with draw accessors."""

    def param_names(self):
        """Parameter names (columns of "draws")."""
        return list(self.dimnames("draws")[1])

    def draws(self, param=None):
        """Draws as a (chains, samples) array for one parameter (name or
        index), or (chains, samples, P) for all (nested lists without
        numpy)."""
        m = self.matrix("draws")
        chains, samples = int(self["chains"]), int(self["samples"])
        names = self.param_names()
        np = _compat.numpy()
        if param is not None:
            j = names.index(param) if isinstance(param, str) else int(param)
            if np is not None:
                return m[:, j].reshape(chains, samples)
            col = [row[j] for row in m]
            return [col[c * samples:(c + 1) * samples] for c in range(chains)]
        if np is not None:
            return m.reshape(chains, samples, len(names))
        return [m[c * samples:(c + 1) * samples] for c in range(chains)]


class _Sampler(Handle):
    _free_name = "causal_sampler_free"
    _type_name = "sampler"


def _new(creator, *args, keep=None):
    out = new_out()
    _lib.call(creator, ctypes.byref(out), *args)
    h = _Sampler()
    h._adopt(out, keep)
    return h


def _configure(h, opts):
    for k, v in opts.items():
        if v is None:
            continue
        if k in _INT_OPTS:
            if isinstance(v, float) and not v.is_integer():
                raise ValueError("%s = %r is not an integer" % (k, v))
            _lib.call("causal_sampler_set_int", h._handle, _INT_OPTS[k],
                      int(v))
        elif k in _DBL_OPTS:
            _lib.call("causal_sampler_set_double", h._handle, _DBL_OPTS[k],
                      float(v))
        else:
            raise TypeError("unknown sampler option %r" % k)


def _run(h):
    out = new_out()
    _lib.call("causal_sampler_run", h._handle, ctypes.byref(out))
    return SamplerResult._wrap(out)


def _vec(x, what):
    return _compat.as_input(x, "d", what, ndim=1)


def beta_binomial(successes, trials, a0=1.0, b0=1.0, chains=4, samples=1000,
                  seed=0, hdi_prob=0.9):
    """Beta(a0, b0) prior, ``successes`` of ``trials``: exact posterior
    Beta(a0 + s, b0 + n - s), sampled. Parameter "p"."""
    h = _new("causal_sampler_new_beta_binomial", float(successes),
             float(trials), float(a0), float(b0))
    _configure(h, dict(chains=chains, samples=samples, seed=seed,
                       hdi_prob=hdi_prob))
    return _run(h)


def gamma_poisson(count, exposure, shape0=1.0, rate0=1.0, chains=4,
                  samples=1000, seed=0, hdi_prob=0.9):
    """Gamma(shape0, rate0) prior on a Poisson rate; ``count`` events over
    ``exposure``: posterior Gamma(shape0 + y, rate0 + e). Parameter
    "lambda"."""
    h = _new("causal_sampler_new_gamma_poisson", float(count),
             float(exposure), float(shape0), float(rate0))
    _configure(h, dict(chains=chains, samples=samples, seed=seed,
                       hdi_prob=hdi_prob))
    return _run(h)


def normal_nig(y, m0=0.0, k0=1.0, a0=1.0, b0=1.0, chains=4, samples=1000,
               seed=0, hdi_prob=0.9):
    """Normal data with a Normal-Inverse-Gamma prior mu | sigma2 ~ N(m0,
    sigma2 / k0), sigma2 ~ InvGamma(a0, b0). Parameters "mu", "sigma2"."""
    yy = _vec(y, "y")
    h = _new("causal_sampler_new_normal", yy.ptr, yy.n, float(m0), float(k0),
             float(a0), float(b0))
    _configure(h, dict(chains=chains, samples=samples, seed=seed,
                       hdi_prob=hdi_prob))
    return _run(h)


def gibbs_two_group(y_a, y_b, m0=0.0, v0=math.inf, a0=0.0, b0=0.0, chains=4,
                    samples=1000, warmup=1000, seed=0, thin=1, hdi_prob=0.9,
                    threads=None):
    """Gibbs sampler for two normal groups with unknown, unequal variances:
    mu_g ~ N(m0, v0) (v0 = inf: flat), sigma2_g ~ InvGamma(a0, b0) (0, 0:
    prior 1 / sigma2). Parameters "mu_a", "mu_b", "sigma2_a", "sigma2_b",
    "diff" (mu_b - mu_a)."""
    ya, yb = _vec(y_a, "y_a"), _vec(y_b, "y_b")
    h = _new("causal_sampler_new_gibbs_two_group", ya.ptr, ya.n, yb.ptr,
             yb.n, float(m0), float(v0), float(a0), float(b0))
    _configure(h, dict(chains=chains, samples=samples, warmup=warmup,
                       seed=seed, thin=thin, hdi_prob=hdi_prob,
                       threads=threads))
    return _run(h)


class _CallbackState:
    __slots__ = ("fn", "exc", "calls")

    def __init__(self, fn):
        self.fn = fn
        self.exc = None
        self.calls = 0


def _make_callback(state, dim):
    np = _compat.numpy()

    def cb(ctx, theta, n, logp, grad):
        if state.exc is not None:
            return -1
        try:
            state.calls += 1
            if np is not None:
                th = np.ctypeslib.as_array(theta, shape=(n,)).copy()
            else:
                th = [theta[i] for i in range(n)]
            res = state.fn(th)
            if res is None:
                return 1  # outside the support
            lp, g = res
            logp[0] = float(lp)
            if np is not None:
                ga = np.asarray(g, dtype=float).reshape(-1)
                if ga.shape[0] != n:
                    raise ValueError("gradient has %d elements, expected %d"
                                     % (ga.shape[0], n))
                ctypes.memmove(grad, ga.ctypes.data, 8 * n)
            else:
                gl = list(g)
                if len(gl) != n:
                    raise ValueError("gradient has %d elements, expected %d"
                                     % (len(gl), n))
                for i in range(n):
                    grad[i] = float(gl[i])
            return 0
        except BaseException as e:  # noqa: B902 -- reported after the run
            state.exc = e
            return -1

    return LOGP_GRAD_FN(cb)


def nuts(logp_grad, dim, init=None, chains=4, samples=1000, warmup=1000,
         seed=0, max_treedepth=10, target_accept=0.8, step_size=1.0,
         init_radius=2.0, thin=1, adapt=True, hdi_prob=0.9,
         max_delta_h=1000.0):
    """No-U-Turn sampler (multinomial, Stan's adaptation) for a Python
    callable ``logp_grad(theta) -> (logp, grad)``.

    ``init``: None (uniform(-init_radius, init_radius) per chain), a
    length-``dim`` vector, or a (chains, dim) array. Parameters are named
    "theta[1]" ... "theta[dim]". Chains run one after another (the callable
    holds the GIL anyway); results depend only on ``seed``."""
    if not callable(logp_grad):
        raise TypeError("logp_grad must be callable")
    dim = int(dim)
    state = _CallbackState(logp_grad)
    cfn = _make_callback(state, dim)
    out = new_out()
    _lib.call("causal_sampler_new_nuts", ctypes.byref(out), dim, cfn, None)
    h = _Sampler()
    h._adopt(out, [cfn, state])
    _configure(h, dict(chains=chains, samples=samples, warmup=warmup,
                       seed=seed, max_treedepth=max_treedepth,
                       target_accept=target_accept, step_size=step_size,
                       init_radius=init_radius, thin=thin,
                       adapt=1 if adapt else 0, hdi_prob=hdi_prob,
                       max_delta_h=max_delta_h))
    if init is not None:
        np = _compat.numpy()
        if np is not None:
            flat = np.ascontiguousarray(np.asarray(init, dtype=float)
                                        .reshape(-1))
        else:
            flat = [float(v) for row in (init if isinstance(init[0], (list,
                    tuple)) else [init]) for v in row]
        iv = _vec(flat, "init")
        _lib.call("causal_sampler_set_init", h._handle, iv.ptr, iv.n)
    out = new_out()
    _lib.fn("causal_clear_error")()
    st = _lib.fn("causal_sampler_run")(h._handle, ctypes.byref(out))
    if st < 0:
        if state.exc is not None:
            exc = state.exc
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise exc
            msg = "logp_grad raised %s: %s" % (type(exc).__name__, exc)
            raise error_class(st)(msg, st, "causal_sampler_run") from exc
        raise make_error(st, "causal_sampler_run")
    r = SamplerResult._wrap(out)
    r.n_calls = state.calls
    return r


# ---- diagnostics ----

def _chains(x):
    """(chains, iterations) input -> chain-major flat buffer."""
    np = _compat.numpy()
    if np is not None:
        a = np.asarray(x, dtype=float)
        if a.ndim == 1:
            a = a.reshape(1, -1)
        if a.ndim != 2:
            raise ValueError("draws must be (chains, iterations), got shape "
                             "%s" % (a.shape,))
        buf = _compat.as_input(np.ascontiguousarray(a).reshape(-1), "d",
                               "draws")
        return buf, a.shape[1], a.shape[0]
    rows = x if x and isinstance(x[0], (list, tuple)) else [x]
    flat = [float(v) for r in rows for v in r]
    return _compat.as_input(flat, "d", "draws"), len(rows[0]), len(rows)


def _diag(name, x):
    buf, n_iter, n_chains = _chains(x)
    v = _d()
    _lib.call(name, buf.ptr, n_iter, n_chains, ctypes.byref(v))
    return v.value


def rhat(x):
    """Rank-normalized split R-hat (posterior::rhat) of (chains,
    iterations) draws; NaN where posterior gives NA."""
    return _diag("causal_mcmc_rhat", x)


def ess_bulk(x):
    """Bulk effective sample size (posterior::ess_bulk)."""
    return _diag("causal_mcmc_ess_bulk", x)


def ess_tail(x):
    """Tail effective sample size (posterior::ess_tail)."""
    return _diag("causal_mcmc_ess_tail", x)


def ess_mean(x):
    """ESS of the mean (posterior::ess_mean)."""
    return _diag("causal_mcmc_ess_mean", x)


def mcse_mean(x):
    """Monte Carlo standard error of the mean (posterior::mcse_mean)."""
    return _diag("causal_mcmc_mcse_mean", x)


def hdi(x, prob=0.9):
    """Highest-density interval (low, high) of all draws: the shortest
    window of floor(prob * n) + 1 sorted draws (ArviZ convention)."""
    np = _compat.numpy()
    flat = (np.asarray(x, dtype=float).reshape(-1) if np is not None else
            [float(v) for v in x])
    buf = _compat.as_input(flat, "d", "draws")
    lo, hi = _d(), _d()
    _lib.call("causal_mcmc_hdi", buf.ptr, buf.n, float(prob),
              ctypes.byref(lo), ctypes.byref(hi))
    return lo.value, hi.value


def mcmc_summary(draws, names=None, hdi_prob=0.9):
    """Summary table of draws shaped (chains, iterations, P) (numpy
    required): a :class:`causal.Result` with matrix "summary"."""
    np = _compat.numpy()
    if np is None:
        raise RuntimeError("mcmc_summary needs numpy")
    a = np.asarray(draws, dtype=float)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3:
        raise ValueError("draws must be (chains, iterations, P)")
    c, n, p = a.shape
    # column-major (n * c) x p with chain-major rows
    flat = np.ascontiguousarray(a.transpose(2, 0, 1)).reshape(-1)
    buf = _compat.as_input(flat, "d", "draws")
    nm = None
    if names is not None:
        if len(names) != p:
            raise ValueError("names has %d elements, draws %d parameters"
                             % (len(names), p))
        nm = _compat.names_array(list(names))
    out = new_out()
    _lib.call("causal_mcmc_summary", ctypes.byref(out), buf.ptr, n, c, p, nm,
              float(hdi_prob))
    return Result._wrap(out)
