"""causal.fusion against metafor reference values (tests/data/fusion_ref.csv,
from tests/ref/fusion_reference.R) and statsmodels' combine_effects."""

import csv
import math
import os

import pytest

import causal
from conftest import requires

pytestmark = requires("causal_fusion_estimates")

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests",
                    "data")


def _refs():
    out = {}
    with open(os.path.join(ROOT, "fusion_ref.csv")) as fh:
        for row in csv.DictReader(fh):
            out[(row["case"], row["method"], row["quantity"])] = float(
                row["value"])
    return out


def _inputs(case):
    y, se = [], []
    with open(os.path.join(ROOT, "fusion_inputs.csv")) as fh:
        for row in csv.DictReader(fh):
            if row["case"] == case:
                y.append(float(row["yi"]))
                se.append(math.sqrt(float(row["vi"])))
    return y, se


REF = _refs()


def test_issue_check():
    r = causal.fuse([0.0522, 0.0489], [0.0085, 0.0092])
    assert abs(r["estimate"] - 0.05068) < 5e-6
    assert abs(r["std_error"] - 0.00624) < 5e-6
    assert abs(r["rct_weight"] - 0.5395) < 5e-5
    assert round(100 * r["efficiency_gain"]) == 85
    assert any("without bias" in w for w in r.warnings)


@pytest.mark.parametrize("case", ["issue", "bcg", "homog"])
@pytest.mark.parametrize("method,mf", [("ivw", "FE"), ("dl", "DL"),
                                       ("reml", "REML")])
def test_metafor(case, method, mf):
    y, se = _inputs(case)
    r = causal.fuse(y, se, method=method)
    for q in ("estimate", "std_error", "conf_low", "conf_high",
              "q_statistic", "h2"):
        assert r[q] == pytest.approx(REF[(case, mf, q)], rel=1e-9)
    if method != "ivw":
        assert r["tau2"] == pytest.approx(REF[(case, mf, "tau2")], rel=1e-9,
                                          abs=1e-13)


def test_statsmodels_combine_effects():
    sm = pytest.importorskip("statsmodels.stats.meta_analysis")
    np = pytest.importorskip("numpy")
    y, se = _inputs("bcg")
    res = sm.combine_effects(np.array(y), np.array(se) ** 2,
                             method_re="dl")
    fe = causal.fuse(y, se, method="ivw")
    dl = causal.fuse(y, se, method="dl")
    assert fe["estimate"] == pytest.approx(res.mean_effect_fe, rel=1e-10)
    assert fe["std_error"] == pytest.approx(res.sd_eff_w_fe, rel=1e-10)
    assert dl["estimate"] == pytest.approx(res.mean_effect_re, rel=1e-10)
    assert dl["tau2"] == pytest.approx(res.tau2, rel=1e-10)
    assert fe["q_statistic"] == pytest.approx(res.q, rel=1e-10)


def test_power_prior_curve():
    est, se = [0.0522, 0.0489], [0.0085, 0.0092]
    c = causal.fusion_curve(est, se, [0, 1e-5, 1e-4, float("inf")])
    e = list(c["estimate"])
    assert e[0] == pytest.approx(REF[("power0", "POWER", "estimate")],
                                 rel=1e-9)
    assert e[1] == pytest.approx(REF[("power1e-05", "POWER", "estimate")],
                                 rel=1e-9)
    assert e[3] == 0.0522
    one = causal.fuse(est, se, method="power-prior", bias_variance=1e-4)
    assert one["estimate"] == pytest.approx(e[2], rel=1e-15)


def test_mixture_and_bias_aware():
    y, se = _inputs("mix_conflict")
    r = causal.fuse(y, se, method="mixture", mix_weight=0.2, mix_sd=0.085)
    assert r["estimate"] == pytest.approx(
        REF[("mix_conflict", "MIXTURE", "estimate")], rel=1e-8)
    assert r["posterior_vague_weight"] > 0.99
    t = causal.fuse(y, se, method="test-then-pool")
    assert t["pooled"] == 0
    m = causal.fuse([0.0522, 0.0489], [0.0085, 0.0092], method="mse")
    assert 0 < m["lambda"] < 1


def test_strata():
    rct, rse = [0.5, 0.1, -0.2, 0.8], [0.2, 0.3, 0.25, 0.4]
    obs = [0.4, 0.2, 0.0, 0.5]
    r = causal.fuse_strata(rct, rse, obs, method="kappa1")
    d = [a - b for a, b in zip(rct, obs)]
    g = max(0.0, 1 - sum(s * s for s in rse) / sum(x * x for x in d))
    for e, o, di in zip(r["estimate"], obs, d):
        assert e == pytest.approx(o + g * di, rel=1e-13)
    with pytest.raises(causal.InvalidArgumentError):
        causal.fuse_strata(rct[:2], rse[:2], obs[:2], method="gs")


def test_data_level():
    ds = causal.read_csv(os.path.join(ROOT, "fusion_data.csv"))
    r = causal.fuse_data(ds, "y", "a", "source", terms=["x"],
                         stratum="stratum")
    for q in ("rct_estimate", "obs_estimate", "estimate", "std_error",
              "bias_statistic"):
        assert r[q] == pytest.approx(REF[("data_all", "DATA", q)], rel=1e-9)
    assert len(r["strata"]) == 3


def test_bad_input():
    with pytest.raises(causal.InvalidArgumentError, match="k = 0"):
        causal.fuse([], [])
    with pytest.raises(causal.InvalidArgumentError, match="se\\[1\\] = 0"):
        causal.fuse([0.1, 0.2], [0.1, 0.0])
    with pytest.raises(causal.NonFiniteError):
        causal.fuse([0.1, float("nan")], [0.1, 0.1])
    with pytest.raises(causal.InvalidArgumentError,
                       match="not positive definite"):
        causal.fuse([0.1, 0.2], cov=[[1, 2], [2, 1]])
    with pytest.raises(ValueError):
        causal.fuse([0.1, 0.2], [0.1])
    with pytest.raises(ValueError):
        causal.fuse([0.1, 0.2], [0.1, 0.1], method="nope")


def test_ipw_transport_surrogate():
    ds = causal.read_csv(os.path.join(ROOT, "fusion_data.csv"))
    r = causal.fuse_data(ds, "y", "a", "source", terms=["x"],
                         obs_estimator="ipw")
    assert r["obs_estimate"] == pytest.approx(
        REF[("ipw", "DATA", "obs_estimate")], rel=1e-9)
    assert r["obs_std_error"] == pytest.approx(
        REF[("ipw", "DATA", "obs_std_error")], rel=1e-6)
    # AIPW: the weighting module's estimate on the observational rows
    ra = causal.fuse_data(ds, "y", "a", "source", terms=["x"],
                          obs_estimator="aipw")
    import numpy as np
    raw = np.genfromtxt(os.path.join(ROOT, "fusion_data.csv"), delimiter=",",
                        names=True)
    ob = raw[raw["source"] == 0]
    direct = causal.aipw({k: ob[k] for k in ("y", "a", "x")}, "y", "a", ["x"])
    assert ra["obs_estimator"] == "aipw"
    assert ra["obs_estimate"] == pytest.approx(direct["estimate"], rel=1e-12)
    assert ra["obs_std_error"] == pytest.approx(direct["std_error"], rel=1e-12)
    tr = causal.read_csv(os.path.join(ROOT, "fusion_transport.csv"))
    t = causal.transport(tr, "y", "a", "source", terms=["x"], method="aipsw")
    assert t["estimate"] == pytest.approx(
        REF[("transport", "DATA", "aipsw_estimate")], rel=1e-9)
    assert t["ipsw_std_error"] == pytest.approx(
        REF[("transport", "DATA", "ipsw_std_error")], rel=1e-6)
    su = causal.read_csv(os.path.join(ROOT, "fusion_surrogate.csv"))
    s = causal.surrogate_index(su, "ylong", "a", "source", ["s1", "s2"],
                               terms=["x"])
    assert s["estimate"] == pytest.approx(
        REF[("surrogate", "DATA", "estimate")], rel=1e-9)
    assert s["std_error"] == pytest.approx(
        REF[("surrogate", "DATA", "std_error")], rel=1e-9)


def test_statsmodels_ipw():
    """IPW point estimate against statsmodels' logit + numpy (Hajek)."""
    sm = pytest.importorskip("statsmodels.api")
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    df = pd.read_csv(os.path.join(ROOT, "fusion_data.csv"))
    ob = df[df.source == 0]
    e = sm.Logit(ob.a, sm.add_constant(ob.x)).fit(disp=0, tol=1e-12).predict()
    a, y = ob.a.to_numpy(), ob.y.to_numpy()
    mu1 = np.sum(a * y / e) / np.sum(a / e)
    mu0 = np.sum((1 - a) * y / (1 - e)) / np.sum((1 - a) / (1 - e))
    r = causal.fuse_data(df, "y", "a", "source", terms=["x"],
                         obs_estimator="ipw")
    assert r["obs_estimate"] == pytest.approx(mu1 - mu0, rel=1e-8)
