"""Distributions against scipy.stats (rtol 1e-12)."""

import math

import numpy as np
import pytest
from scipy import stats

import causal
from causal import dist
from conftest import needs_dist, tolist

pytestmark = needs_dist

RTOL = 1e-12
# Log-scale values near 0 (log of a probability near 1) are compared with a
# few ulps of absolute slack as well: relative error is meaningless there.
LOG_ATOL = 4e-15

CONT = [
    (('Normal', (1.5, 2.0,)), stats.norm(1.5, 2.0),
     [-8.0, -1.0, 0.0, 1.5, 2.3, 7.0, 12.0]),
    (('StudentT', (3.5,)), stats.t(3.5), [-20.0, -2.0, -0.3, 0.0, 0.7, 4.0, 30.0]),
    (('StudentT', (1.0,)), stats.t(1.0), [-50.0, -1.0, 0.5, 3.0]),
    (('ChiSquare', (4.0,)), stats.chi2(4.0), [0.01, 0.5, 3.0, 9.0, 25.0, 60.0]),
    (('ChiSquare', (0.7,)), stats.chi2(0.7), [0.001, 0.2, 1.0, 5.0]),
    (('F', (3.0, 17.0,)), stats.f(3.0, 17.0), [0.01, 0.4, 1.0, 2.5, 8.0, 40.0]),
    (('Beta', (2.5, 0.8,)), stats.beta(2.5, 0.8), [0.01, 0.2, 0.5, 0.9, 0.999]),
    (('Gamma', (2.2, 3.0,)), stats.gamma(2.2, scale=3.0),
     [0.05, 1.0, 6.6, 15.0, 40.0]),
]
DISC = [
    (('Binomial', (20, 0.3,)), stats.binom(20, 0.3), [0, 1, 3, 6, 10, 15, 20]),
    (('Poisson', (4.5,)), stats.poisson(4.5), [0, 1, 4, 5, 9, 15, 30]),
]
PROBS = [1e-10, 1e-4, 0.01, 0.3, 0.5, 0.77, 0.99, 1 - 1e-6]


def mp_cdf(spec, x, upper):
    """CDF (or SF if upper) of a continuous family in mpmath."""
    import mpmath as mp
    name, par = spec
    x = mp.re(x)
    if name == "Normal":
        z = (x - par[0]) / par[1]
        return mp.ncdf(-z) if upper else mp.ncdf(z)
    if name == "StudentT":
        df = mp.mpf(par[0])
        t = mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + x * x),
                       regularized=True) / 2
        low = t if x < 0 else 1 - t
        return 1 - low if upper else low
    if name == "ChiSquare":
        a = mp.mpf(par[0]) / 2
        return mp.gammainc(a, x / 2, mp.inf, regularized=True) if upper \
            else mp.gammainc(a, 0, x / 2, regularized=True)
    if name == "Gamma":
        a = mp.mpf(par[0])
        return mp.gammainc(a, x / par[1], mp.inf, regularized=True) if upper \
            else mp.gammainc(a, 0, x / par[1], regularized=True)
    if name == "F":
        d1, d2 = mp.mpf(par[0]), mp.mpf(par[1])
        u = d1 * x / (d1 * x + d2)
        return mp.betainc(d1 / 2, d2 / 2, u, 1, regularized=True) if upper \
            else mp.betainc(d1 / 2, d2 / 2, 0, u, regularized=True)
    if name == "Beta":
        a, b = mp.mpf(par[0]), mp.mpf(par[1])
        x = min(max(x, mp.mpf(0)), mp.mpf(1))
        return mp.betainc(a, b, x, 1, regularized=True) if upper \
            else mp.betainc(a, b, 0, x, regularized=True)
    raise ValueError(name)


def mp_quantile(spec, p, start, upper):
    """x with cdf(x) = p (sf(x) = p if upper), to double precision."""
    import mpmath as mp
    with mp.workdps(50):
        f = lambda x: mp_cdf(spec, x, upper) - p  # noqa: E731
        x0 = mp.mpf(float(start))
        pair = (x0 * (1 - 1e-9), x0) if x0 != 0 else \
            (mp.mpf(-1e-3), mp.mpf(1e-3))
        x = mp.findroot(f, pair, solver="secant", tol=mp.mpf(10) ** -45)
        return float(x)


try:
    import mpmath  # noqa: F401  (Debian: python3-mpmath)
    HAVE_MPMATH = True
except ImportError:  # pragma: no cover
    HAVE_MPMATH = False


def check_quantiles(spec, d, ref, p):
    if HAVE_MPMATH:
        # atol: the exact median of symmetric families is 0.
        close(d.ppf(p), [mp_quantile(spec, q, ref.ppf(q), False) for q in p],
              atol=1e-30)
        close(d.isf(p), [mp_quantile(spec, q, ref.isf(q), True) for q in p],
              atol=1e-30)
    # Also (and without mpmath, only): a quantile q is right to rtol 1e-12 when scipy's
    # (accurate) cdf at q gives back p within the matching tolerance,
    # |cdf(q) - p| <= 1e-12 * |q| * pdf(q) (+ rounding of p).
    for fn, back in ((d.ppf, ref.cdf), (d.isf, ref.sf)):
        q = np.asarray(fn(p))
        err = np.abs(back(q) - p)
        tol = 1e-12 * np.abs(q) * ref.pdf(q) + 4e-16 * p
        assert np.all(err <= tol), (fn.__name__, p[err > tol], q[err > tol])


def close(a, b, rtol=RTOL, atol=0.0):
    np.testing.assert_allclose(np.asarray(a, dtype=float),
                               np.asarray(b, dtype=float), rtol=rtol,
                               atol=atol)


@pytest.mark.parametrize("spec,ref,xs", CONT + DISC,
                         ids=["%s%r" % c[0] for c in CONT + DISC])
def test_against_scipy(spec, ref, xs):
    d = getattr(dist, spec[0])(*spec[1])
    x = np.array(xs, dtype=float)
    pdf, logpdf = (ref.pmf, ref.logpmf) if d.discrete else (ref.pdf, ref.logpdf)
    close(d.pdf(x), pdf(x))
    close(d.logpdf(x), logpdf(x), atol=LOG_ATOL)
    close(d.cdf(x), ref.cdf(x))
    close(d.sf(x), ref.sf(x))
    close(d.logcdf(x), ref.logcdf(x), atol=LOG_ATOL)
    close(d.logsf(x), ref.logsf(x), atol=LOG_ATOL)
    p = np.array(PROBS)
    if d.discrete:
        assert np.array_equal(d.ppf(p), ref.ppf(p))
        assert np.array_equal(d.isf(p), ref.isf(p))
        close(d.pmf(x), pdf(x))
        close(d.logpmf(x), logpdf(x), atol=LOG_ATOL)
    else:
        # scipy's quantiles lose digits in the tails (t, F at p = 1e-10 are
        # off by 1e-9 relative); the reference is mpmath at 50 digits,
        # started from scipy's value.
        check_quantiles(spec, d, ref, p)


def test_scalar_list_array_shapes(mode):
    n = dist.Normal()
    v = n.cdf(1.96)
    assert isinstance(v, float) and abs(v - 0.9750021048517795) < 1e-15
    lst = n.cdf([0.0, 1.96])
    if mode == "numpy":
        assert isinstance(lst, np.ndarray) and lst.shape == (2,)
        m = n.cdf(np.zeros((2, 3)))
        assert m.shape == (2, 3) and np.all(m == 0.5)
        assert n.cdf(np.float64(0.0)) == 0.5
    else:
        assert isinstance(lst, list)
    assert tolist(lst)[0] == 0.5
    assert tolist(n.pdf([])) == []
    import array
    assert tolist(n.cdf(array.array("d", [0.0]))) == [0.5]
    assert tolist(n.cdf((0.0, 0.0))) == [0.5, 0.5]


def test_input_not_modified_and_noncontiguous():
    x = np.linspace(-3, 3, 20)
    before = x.copy()
    y = dist.Normal().cdf(x[::2])
    assert np.array_equal(x, before)
    close(y, stats.norm.cdf(before[::2]))
    close(dist.Normal().cdf(x.astype(np.float32)),
          stats.norm.cdf(x.astype(np.float32).astype(float)))


def test_infinite_arguments():
    n = dist.Normal()
    assert tolist(n.cdf([-math.inf, math.inf])) == [0.0, 1.0]
    assert n.ppf(0.0) == -math.inf and n.ppf(1.0) == math.inf


def test_nan_argument_names_index(mode):
    with pytest.raises(causal.NonFiniteError) as ei:
        dist.Normal().cdf([0.0, 1.0, float("nan")])
    assert "2" in str(ei.value)
    assert ei.value.status == -3


@pytest.mark.parametrize("make,word", [
    (lambda: dist.Normal(0, 0), "sd"),
    (lambda: dist.Normal(0, -1), "sd"),
    (lambda: dist.StudentT(0), "df"),
    (lambda: dist.ChiSquare(-1), "df"),
    (lambda: dist.F(1, 0), "df2"),
    (lambda: dist.Beta(0, 1), "a"),
    (lambda: dist.Gamma(1, -2), "scale"),
    (lambda: dist.Binomial(2.5, 0.5), "size"),
    (lambda: dist.Binomial(5, 1.5), "prob"),
    (lambda: dist.Poisson(-1), "lambda"),
    (lambda: dist.Normal(float("nan"), 1), "mean"),
])
def test_invalid_parameters(make, word):
    with pytest.raises(causal.CausalError) as ei:
        make()
    assert isinstance(ei.value, ValueError)
    assert word in str(ei.value)


def test_probability_out_of_range():
    with pytest.raises(causal.CausalError) as ei:
        dist.Normal().ppf([0.5, 1.5])
    assert isinstance(ei.value, ValueError)


def test_parameter_count_and_repr():
    with pytest.raises(TypeError):
        dist.F(1)
    with pytest.raises(TypeError, match="2 parameters"):
        dist.Normal.__bases__[0].__init__(dist.Normal.__new__(dist.Normal), 1)
    assert repr(dist.Normal(1, 2)) == "Normal(mean=1.0, sd=2.0)"
    assert dist.Gamma(2) == dist.Gamma(2, 1.0)
    assert hash(dist.Gamma(2)) == hash(dist.Gamma(2, 1.0))
    assert [dist.nparams(f) for f in range(1, 9)] == [2, 1, 1, 2, 2, 2, 2, 1]
    with pytest.raises(causal.InvalidArgumentError):
        dist.nparams(99)


def test_t_infinite_df_is_normal():
    close(dist.StudentT(math.inf).cdf([-1.0, 0.3]),
          stats.norm.cdf([-1.0, 0.3]))


def test_contiguous_float64_is_passed_in_place(monkeypatch):
    import ctypes
    from causal import _lib
    seen = []
    orig = _lib.call

    def spy(name, *args):
        if name == "causal_dist_eval":
            seen.append(ctypes.cast(args[4], ctypes.c_void_p).value)
        return orig(name, *args)

    monkeypatch.setattr(_lib, "call", spy)
    x = np.linspace(-2, 2, 9)
    dist.Normal().cdf(x)
    assert seen[-1] == x.ctypes.data
    dist.Normal().cdf(x[::2])  # strided: converted, not in place
    assert seen[-1] != x.ctypes.data
