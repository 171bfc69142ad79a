"""causal.abtest against scipy / statsmodels and R-derived values."""
import math
import pickle

import pytest

import causal
from causal.abtest import ArmStats, ABTest, dunnett_quantile

np = pytest.importorskip("numpy")
stats = pytest.importorskip("scipy.stats")


def test_proportions_match_statsmodels():
    sm = pytest.importorskip("statsmodels.stats.proportion")
    a = ArmStats.from_counts(120, 1000)
    b = ArmStats.from_counts(150, 1010)
    r = ABTest(metric="proportion").compare(a, b)
    z, p = sm.proportions_ztest([150, 120], [1010, 1000])
    assert r["statistic"] == pytest.approx(z, rel=1e-12)
    assert r["p_value"] == pytest.approx(p, rel=1e-11)
    tab = [[150, 860], [120, 880]]
    chi2, pc, _, _ = stats.chi2_contingency(tab, correction=True)
    r = ABTest(metric="proportion", test="chisq").compare(a, b)
    assert r["statistic"] == pytest.approx(chi2, rel=1e-12)
    assert r["p_value"] == pytest.approx(pc, rel=1e-11)
    _, pf = stats.fisher_exact(tab)
    r = ABTest(metric="proportion", test="fisher").compare(a, b)
    assert r["p_value"] == pytest.approx(pf, rel=1e-10)


def test_welch_units_and_merge():
    rng = np.random.default_rng(3)
    ya, yb = rng.normal(10, 2, 300), rng.normal(10.4, 3, 250)
    a = ArmStats.from_units(ya)
    b = ArmStats.from_units(yb[:100]) + ArmStats.from_units(yb[100:])
    r = ABTest().compare(a, b)
    t = stats.ttest_ind(yb, ya, equal_var=False)
    assert r["statistic"] == pytest.approx(t.statistic, rel=1e-11)
    assert r["p_value"] == pytest.approx(t.pvalue, rel=1e-10)
    v = ABTest(test="student").compare_values(a, b)
    t = stats.ttest_ind(yb, ya, equal_var=True)
    assert v["p_value"] == pytest.approx(t.pvalue, rel=1e-10)
    c = pickle.loads(pickle.dumps(b))
    assert c.n == 250 and c.mean == pytest.approx(b.mean, rel=1e-15)


def test_cuped_reduces_variance():
    rng = np.random.default_rng(5)
    x = rng.normal(0, 1, 2000)
    y = x + rng.normal(0, 0.5, 2000)
    y[1000:] += 0.1
    a = ArmStats.from_units(y[:1000], x=x[:1000])
    b = ArmStats.from_units(y[1000:], x=x[1000:])
    r = ABTest(cuped=True).compare(a, b)
    theta = np.cov(y - np.r_[np.zeros(1000), np.full(1000, 0)], x)[0, 1] / x.var(ddof=1)
    assert r["theta"][0] == pytest.approx(theta, rel=1e-10)
    assert r["variance_reduction"] > 0.7


def test_srm_padjust_dunnett():
    r = causal.srm([5023, 4891, 5102], [0.34, 0.33, 0.33])
    s = stats.chisquare([5023, 4891, 5102],
                        np.array([0.34, 0.33, 0.33]) * 15016)
    assert r["p_value"] == pytest.approx(s.pvalue, rel=1e-12)
    with pytest.raises(causal.InvalidArgumentError, match="sum to"):
        causal.srm([1, 2], [0.5, 0.6])
    p = [0.01, 0.04, 0.03, 0.2]
    assert causal.p_adjust(p, "bonferroni") == pytest.approx(
        [0.04, 0.16, 0.12, 0.8], rel=1e-15)
    assert dunnett_quantile(0.95, [0.5], 10) == pytest.approx(
        stats.t.ppf(0.975, 10), rel=1e-10)


def test_analyze_and_bootstrap():
    rng = np.random.default_rng(7)
    ys = [rng.exponential(1 + 0.1 * k, 400) for k in range(3)]
    arms = [ArmStats.from_units(y) for y in ys]
    r = ABTest(adjust="holm").analyze(arms, names=["A", "B", "C"],
                                      allocation=[1 / 3] * 3)
    assert list(r["comparisons"].terms) == ["B - A", "C - A"]
    assert "srm_p_value" in r
    b = ABTest().bootstrap(ys[0], ys[1], statistic="median", reps=500, seed=3)
    med = np.median(ys[1]) - np.median(ys[0])
    assert b["estimate"] == pytest.approx(med, rel=1e-12)
    assert b["conf_low"] < med < b["conf_high"]


def test_errors():
    with pytest.raises(causal.OutOfRangeError, match="exceeds trials"):
        ArmStats.from_counts(5, 3)
    with pytest.raises(causal.OutOfRangeError):
        ArmStats.from_counts(-1, 3)
    with pytest.raises(causal.InvalidArgumentError, match="n = 0"):
        ABTest().compare(ArmStats(), ArmStats.from_units([1.0, 2.0]))
    with pytest.raises(causal.InvalidArgumentError, match="zero variance"):
        c = ArmStats.from_units([2.0, 2.0])
        ABTest().compare(c, c)
    with pytest.raises(ValueError):
        ABTest(metric="nope")
    assert math.isfinite(ABTest().compare_values(
        ArmStats.from_units([1.0, 2.0, 4.0]),
        ArmStats.from_units([2.0, 3.0, 7.0]))["p_value"])
