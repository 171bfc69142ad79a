"""Python API of power, sequential and Bayesian A/B (causal.abdesign),
checked against R-free closed forms, statsmodels/scipy and the values the
C suites pin."""
import math

import pytest

import causal

scipy = pytest.importorskip("scipy")
from scipy.stats import norm  # noqa: E402


def test_power_prop_matches_r_reference():
    # R: power.prop.test(p1 = .1, p2 = .12, power = .8)$n = 3840.847
    r = causal.power("prop_pooled", baseline=0.10, effect=0.02, power=0.8)
    assert abs(r["n"] - 3840.847) < 1e-3
    assert r["solved_for"] == "n"


def test_power_mean_z_closed_form_and_round_trip():
    r = causal.power("mean_z", effect=0.5, sd=3, power=0.8, rho=0.5)
    za, zb = norm.isf(0.025), norm.isf(0.2)
    assert r["n"] == pytest.approx(2 * (za + zb) ** 2 * 9 * 0.75 / 0.25,
                                   rel=1e-10)
    p = causal.power("mean_z", effect=0.5, sd=3, n=r["n"], rho=0.5)
    assert p["power"] == pytest.approx(0.8, rel=1e-12)


def test_power_t_statsmodels():
    sm = pytest.importorskip("statsmodels.stats.power")
    ref = sm.TTestIndPower().power(0.4, nobs1=30, alpha=0.05, ratio=1.0)
    r = causal.power("mean_t", effect=0.4, sd=1, n=30, strict=True)
    assert r["power"] == pytest.approx(ref, abs=1e-8)


def test_pnt_scipy():
    assert causal.abdesign.pnt(1.5, 12, 0.7) == pytest.approx(
        scipy.stats.nct.cdf(1.5, 12, 0.7), abs=1e-9)


def test_power_errors():
    with pytest.raises(causal.OutOfRangeError, match="BASELINE"):
        causal.power("prop_pooled", effect=0.02, power=0.8)
    with pytest.raises(ValueError):
        causal.power("prop_pooled", baseline=0.1)


def test_gs_design_published_obf():
    d = causal.gs_design([0.2, 0.4, 0.6, 0.8, 1], sides=2, alpha=0.05,
                         spending="obf")
    for got, pub in zip(d["upper"], [4.877, 3.357, 2.680, 2.290, 2.031]):
        assert abs(got - pub) < 5e-4
    assert d["inflation_factor"] > 1


def test_monitor_save_resume():
    m = causal.GroupSequential(sides=2, alpha=0.05, spending="obf")
    assert m.look(0.2, 1.0) == "continue"
    blob = m.serialize()
    m2 = causal.GroupSequential.deserialize(blob)
    assert len(m2) == 1
    assert m2.look(0.6, 3.0) == "reject"
    with pytest.raises(causal.InvalidArgumentError, match="stopped"):
        m2.look(0.8, 0.0)
    with pytest.raises(causal.OutOfRangeError, match="beyond"):
        m.look(1.5, 0.0)
    with pytest.raises(causal.CorruptDataError):
        causal.GroupSequential.deserialize(blob[:-1])


def test_msprt():
    r = causal.msprt([0.5, 0.4, 0.41], [0.2, 0.05, 0.01], tau2=0.05)
    v, t2, d = 0.01, 0.05, 0.41
    lam = math.sqrt(v / (v + t2)) * math.exp(t2 * d * d / (2 * v * (v + t2)))
    assert r["lambda"][2] == pytest.approx(lam, rel=1e-12)
    assert list(r["p_value"]) == sorted(r["p_value"], reverse=True)


def test_bayes_models():
    r = causal.bayes_beta(120, 1000, 140, 1000)
    p = causal.abdesign.prob_beta(121, 881, 141, 861, method="sum")
    assert r["prob_b_beats_a"] == pytest.approx(p, abs=1e-12)
    rn = causal.bayes_normal(10, 4, 400, 10.5, 5, 500)
    assert rn["prob_b_beats_a"] == pytest.approx(
        norm.cdf(0.5 / math.sqrt(16 / 400 + 25 / 500)), rel=1e-13)
    rg = causal.bayes_gamma(40, 100, 55, 110)
    assert rg["prob_b_beats_a"] == pytest.approx(
        scipy.stats.beta.cdf(100 / 210, 41, 56), rel=1e-12)


def test_gs_binding_futility():
    # gsDesign test.type = 3 vs 4: binding futility spends all of alpha
    # under H0 with the futility region excluded; non-binding spends less
    kw = dict(sides=1, alpha=0.025, spending="hsd", param=-4,
              futility="hsd", futility_param=-2)
    t = [1 / 3, 2 / 3, 1]
    b = causal.GroupSequential(binding=True, **kw).design(t)
    n = causal.GroupSequential(**kw).design(t)
    assert sum(b["prob_upper_h0"]) == pytest.approx(0.025, abs=1e-8)
    assert sum(n["prob_upper_h0"]) < 0.024
    assert b["upper"][2] < n["upper"][2]
    assert list(n["upper"]) == pytest.approx([3.0107, 2.5465, 1.9992],
                                             abs=6e-5)


def test_bayes_normal_nig():
    # reference prior: each mean is t_{n-1}(mean, sd / sqrt(n)); P(B > A)
    # by scipy quadrature in x (independent of the C quantile integral)
    from scipy import integrate
    r = causal.bayes_normal_nig(10, 4, 30, 10.8, 5, 40)
    A = scipy.stats.t(29, loc=10, scale=4 / math.sqrt(30))
    B = scipy.stats.t(39, loc=10.8, scale=5 / math.sqrt(40))
    p = integrate.quad(lambda x: A.pdf(x) * B.sf(x), -math.inf, math.inf,
                       epsabs=1e-13)[0]
    assert r["prob_b_beats_a"] == pytest.approx(p, abs=1e-9)
    assert r["model"] == "normal_nig"
    assert r["post_a_df"] == 29 and r["post_b_df"] == 39
    assert r["post_a_2"] == pytest.approx(4 / math.sqrt(30), rel=1e-14)
    assert (r["expected_loss_a"] - r["expected_loss_b"] ==
            pytest.approx(0.8, abs=1e-9))
    # informative prior: kappa_n = 1 + 5, mu_n = (1.5 + 5) / 6
    r = causal.bayes_normal_nig(1, 2, 5, 2, 1, 4, prior_mean=1.5,
                                prior_kappa=1, prior_shape=2,
                                prior_scale=3, cred_level=0.9)
    assert r["post_a_1"] == pytest.approx(6.5 / 6, rel=1e-14)
    assert r["post_a_df"] == 9
    with pytest.raises(causal.CausalError, match="df"):
        causal.bayes_normal_nig(1, 1, 2, 1, 1, 10)
    with pytest.raises(causal.CausalError, match="prior_shape"):
        causal.bayes_normal_nig(1, 1, 5, 1, 1, 10, prior_shape=-1)


def test_decide():
    r = causal.decide({"revenue": (0.05, 0.01)},
                      guardrails={"latency": (0.05, 0.005, 0.02, -1)})
    assert r["decision"] == "stop"
    assert "latency" in r["reasons"]
    r = causal.decide({"revenue": (0.05, 0.01)},
                      guardrails={"latency": (0.0, 0.005, 0.02, -1)})
    assert r["decision"] == "ship"
