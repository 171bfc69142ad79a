"""Tests of causal.sampler: conjugate and Gibbs posteriors against exact
moments (scipy), NUTS with a Python callable (Gaussian target, errors from
the callable), and diagnostics against R package posterior's values
(tests/data/mcmc_diag_reference.csv, made by tests/ref/mcmc_diag_reference.R).
"""

import csv
import math
import os

import pytest

import causal
from causal import _compat

from conftest import requires

np = pytest.importorskip("numpy")
stats = pytest.importorskip("scipy.stats")

pytestmark = requires("causal_sampler_run", "causal_mcmc_rhat")

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..",
                                     ".."))
Z = 4.5


def _ztest_iid(x, mean, var):
    x = np.asarray(x).ravel()
    n = x.size
    assert abs(x.mean() - mean) / math.sqrt(var / n) < Z
    m4 = np.mean((x - x.mean()) ** 4)
    s2 = x.var(ddof=1)
    assert abs(s2 - var) / math.sqrt((m4 - s2 * s2) / n) < Z


def test_beta_binomial():
    r = causal.beta_binomial(37, 120, a0=2, b0=3, samples=4000, seed=3)
    d = stats.beta(39, 86)
    assert r["post_alpha"] == 39 and r["post_beta"] == 86
    assert r["exact_mean"][0] == pytest.approx(d.mean(), rel=1e-14)
    assert r["exact_var"][0] == pytest.approx(d.var(), rel=1e-12)
    x = r.draws("p")
    assert x.shape == (4, 4000)
    _ztest_iid(x, d.mean(), d.var())
    assert r.param_names() == ["p"]
    s = r["summary"]
    assert s.shape == (1, 11)
    assert r.dimnames("summary")[1][8] == "rhat"


def test_gamma_poisson_and_nig():
    r = causal.gamma_poisson(17, 4.5, shape0=0.5, rate0=0.1, samples=4000,
                             seed=4)
    d = stats.gamma(17.5, scale=1 / 4.6)
    _ztest_iid(r.draws("lambda"), d.mean(), d.var())
    y = [4.1, 5.3, 3.9, 6.2, 5.0, 4.4, 5.8, 6.6, 3.7, 4.9, 5.5, 5.1]
    r = causal.normal_nig(y, m0=4, k0=2, a0=3, b0=2, samples=4000, seed=5)
    n, ybar, ss = len(y), np.mean(y), np.sum((np.array(y) - np.mean(y)) ** 2)
    kn, an = 2 + n, 3 + n / 2
    mn = (2 * 4 + n * ybar) / kn
    bn = 2 + ss / 2 + 2 * n * (ybar - 4) ** 2 / (2 * kn)
    sig = stats.invgamma(an, scale=bn)
    mu = stats.t(2 * an, loc=mn, scale=math.sqrt(bn / (an * kn)))
    _ztest_iid(r.draws("sigma2"), sig.mean(), sig.var())
    _ztest_iid(r.draws("mu"), mu.mean(), mu.var())


def test_gibbs_two_group_exact():
    rng = np.random.default_rng(11)
    ya = 10 + 3 * rng.standard_normal(40)
    yb = 11 + 6 * rng.standard_normal(25)
    r = causal.gibbs_two_group(ya, yb, samples=3000, warmup=200, seed=7)
    s = r["summary"]
    names = r.param_names()
    assert names == ["mu_a", "mu_b", "sigma2_a", "sigma2_b", "diff"]
    # exact marginals of the flat-prior model
    exact = []
    for y in (ya, yb):
        n = len(y)
        exact.append(stats.t(n - 1, loc=y.mean(),
                             scale=y.std(ddof=1) / math.sqrt(n)).mean())
    for y in (ya, yb):
        n = len(y)
        ss = np.sum((y - y.mean()) ** 2)
        exact.append(stats.invgamma((n - 1) / 2, scale=ss / 2).mean())
    exact.append(exact[1] - exact[0])
    for j in range(5):
        assert abs(s[j, 0] - exact[j]) / s[j, 2] < Z, names[j]
        assert s[j, 0] == pytest.approx(r["exact_mean"][j], rel=0.05)
    d = r.draws("diff")
    np.testing.assert_array_equal(d, r.draws("mu_b") - r.draws("mu_a"))


def test_nuts_gaussian_python_callable():
    cov = np.array([[1.0, 0.8, 0.0], [0.8, 2.0, 0.3], [0.0, 0.3, 0.5]])
    prec = np.linalg.inv(cov)
    mu = np.array([1.0, -2.0, 0.5])

    def lg(th):
        z = th - mu
        return -0.5 * z @ prec @ z, -prec @ z

    r = causal.nuts(lg, 3, samples=1000, warmup=500, seed=9)
    assert r.n_calls > 0
    s = r["summary"]
    for j in range(3):
        assert abs(s[j, 0] - mu[j]) / s[j, 2] < Z
        assert s[j, 8] < 1.02
    x = r.draws()
    assert x.shape == (4, 1000, 3)
    emp = np.cov(x.reshape(-1, 3).T)
    np.testing.assert_allclose(emp, cov, atol=0.15)
    assert r["n_divergent_total"] == 0
    assert r["sampler_params"].shape == (4000, 5)
    # same seed, same draws; init as a (chains, dim) array
    r2 = causal.nuts(lg, 3, samples=1000, warmup=500, seed=9)
    np.testing.assert_array_equal(r2["draws"], r["draws"])
    r3 = causal.nuts(lg, 3, samples=50, warmup=50, chains=2,
                     init=np.zeros((2, 3)), seed=1)
    assert r3["draws"].shape == (100, 3)


def test_nuts_callable_errors():
    def boom(th):
        if th[0] > 0.5:
            raise ZeroDivisionError("my model broke")
        return -0.5 * float(th @ th), -th

    with pytest.raises(causal.InvalidArgumentError) as ei:
        causal.nuts(boom, 2, seed=1, init=[0.0, 0.0])
    assert "my model broke" in str(ei.value)
    assert isinstance(ei.value.__cause__, ZeroDivisionError)

    def nan_everywhere(th):
        return float("nan"), np.zeros(2)

    with pytest.raises(causal.NonFiniteError, match="initial values"):
        causal.nuts(nan_everywhere, 2, init=[0.0, 0.0])

    def wrong_grad(th):
        return 0.0, np.zeros(3)

    with pytest.raises(causal.InvalidArgumentError, match="gradient has 3"):
        causal.nuts(wrong_grad, 2)
    with pytest.raises(causal.InvalidArgumentError, match="dim"):
        causal.nuts(wrong_grad, 0)
    with pytest.raises(TypeError):
        causal.nuts(3, 2)
    with pytest.raises(causal.NonFiniteError, match="init"):
        causal.nuts(wrong_grad, 2, init=[float("nan"), 0.0])
    with pytest.raises(causal.OutOfRangeError, match="target_accept"):
        causal.nuts(wrong_grad, 2, target_accept=1.5)

    # None = outside the support: a half-normal
    def half(th):
        if th[0] < 0:
            return None
        return -0.5 * th[0] ** 2, -th

    r = causal.nuts(half, 1, init=[0.5], seed=2, samples=1000, warmup=500)
    assert (r.draws(0) >= 0).all()
    assert abs(r["summary"][0, 0] - math.sqrt(2 / math.pi)) \
        / r["summary"][0, 2] < Z


def test_bad_priors():
    with pytest.raises(causal.OutOfRangeError, match="a0"):
        causal.beta_binomial(1, 2, a0=0)
    with pytest.raises(causal.OutOfRangeError, match="b0"):
        causal.normal_nig([1.0, 2.0], b0=-1)
    with pytest.raises(causal.OutOfRangeError, match="v0"):
        causal.gibbs_two_group([1.0, 2.0], [1.0, 3.0], v0=0)
    with pytest.raises(causal.NonFiniteError, match=r"y_b\[1\]"):
        causal.gibbs_two_group([1.0, 2.0], [1.0, float("nan")])


def _reference():
    draws, ref = {}, {}
    with open(os.path.join(ROOT, "tests", "data",
                           "mcmc_diag_reference.csv")) as f:
        for row in csv.DictReader(f):
            ref[row["set"]] = row
    with open(os.path.join(ROOT, "tests", "data",
                           "mcmc_diag_draws.csv")) as f:
        for row in csv.DictReader(f):
            draws.setdefault(row["set"], []).append(
                (int(row["chain"]), int(row["iter"]), float(row["value"])))
    out = {}
    for k, rows in draws.items():
        c = int(ref[k]["n_chains"])
        n = int(ref[k]["n_iter"])
        a = np.empty((c, n))
        for ch, it, v in rows:
            a[ch - 1, it - 1] = v
        out[k] = a
    return out, ref


def test_diagnostics_match_posterior():
    draws, ref = _reference()
    fns = {"rhat": causal.rhat, "ess_bulk": causal.ess_bulk,
           "ess_tail": causal.ess_tail, "ess_mean": causal.ess_mean,
           "mcse_mean": causal.mcse_mean}
    for k, a in draws.items():
        for name, f in fns.items():
            want = ref[k][name]
            got = f(a)
            if want == "NA":
                assert math.isnan(got), (k, name)
            else:
                want = float(want)
                assert abs(got - want) <= 1e-10 * max(1, abs(want)), \
                    (k, name, got, want)
        lo, hi = causal.hdi(a, 0.9)
        assert lo == pytest.approx(float(ref[k]["hdi_low"]), abs=1e-12)
        assert hi == pytest.approx(float(ref[k]["hdi_high"]), abs=1e-12)
    # summary of two parameters
    a = np.stack([draws["ar09"], draws["iid"]], axis=2)
    s = causal.mcmc_summary(a, names=["ar", "iid"])
    m = s["summary"]
    assert s.dimnames("summary")[0] == ["ar", "iid"]
    assert m[0, 8] == pytest.approx(float(ref["ar09"]["rhat"]), rel=1e-10)
    assert m[1, 9] == pytest.approx(float(ref["iid"]["ess_bulk"]), rel=1e-10)
    # one chain as a 1-D array
    assert causal.ess_bulk(draws["onechain"][0]) == pytest.approx(
        float(ref["onechain"]["ess_bulk"]), rel=1e-10)


def test_diagnostic_errors():
    with pytest.raises(causal.NonFiniteError, match="chain 2"):
        causal.rhat([[1.0, 2.0, 3.0], [1.0, float("nan"), 2.0]])
    with pytest.raises(causal.InvalidArgumentError, match="n_iter"):
        causal.ess_bulk([[1.0], [2.0]])
    with pytest.raises(causal.OutOfRangeError, match="prob"):
        causal.hdi([1.0, 2.0], 1.5)
    with pytest.raises(ValueError):
        causal.rhat(np.zeros((2, 2, 2)))


def test_without_numpy():
    _compat.set_numpy(False)
    try:
        r = causal.beta_binomial(3, 10, samples=20, chains=2, seed=1)
        d = r.draws("p")
        assert isinstance(d, list) and len(d) == 2 and len(d[0]) == 20

        def lg(th):
            return -0.5 * sum(t * t for t in th), [-t for t in th]

        r = causal.nuts(lg, 2, samples=30, warmup=30, chains=1, seed=1)
        assert len(r.draws(1)[0]) == 30
        v = causal.rhat([[0.1, 0.5, 0.3, 0.9], [0.2, 0.4, 0.8, 0.6]])
        assert v == v
    finally:
        _compat.set_numpy(True)


def test_gibbs_threads_and_seed():
    ya = [10.2, 9.1, 11.5, 8.7, 10.9, 9.8]
    yb = [12.0, 7.5, 14.1, 10.3, 9.9]
    r1 = causal.gibbs_two_group(ya, yb, samples=200, warmup=50, seed=4)
    r2 = causal.gibbs_two_group(ya, yb, samples=200, warmup=50, seed=4,
                                threads=4)
    np.testing.assert_array_equal(r1["draws"], r2["draws"])
    r3 = causal.gibbs_two_group(ya, yb, samples=200, warmup=50, seed=5)
    assert not np.array_equal(r1["draws"], r3["draws"])
    r4 = causal.gibbs_two_group(ya, yb, samples=100, warmup=50, seed=4,
                                thin=2)
    assert r4["draws"].shape == (400, 5)
