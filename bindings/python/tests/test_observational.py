"""Observational bindings: causal.propensity / balance / ipw / aipw /
evalue, checked against the reference files of the C suites (R glm and
MatchIt, the stacked-moment reference of statsmodels' TreatmentEffect, the
E-value formulas in R) and against statsmodels' Logit directly."""

import csv
import math
import os

import pytest

import causal
from conftest import requires

pytestmark = requires("causal_propensity_fit", "causal_weighting_fit",
                      "causal_balance_compute", "causal_evalue")

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..",
                                     ".."))
DATA = os.path.join(ROOT, "tests", "data")
LALONDE = os.path.join(ROOT, "data", "lalonde.csv")
COVS = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


def rows(name):
    with open(os.path.join(DATA, name)) as f:
        return list(csv.DictReader(f))


def num(v):
    return float("nan") if v in ("NA", "") else float(v)


def close(a, b, tol):
    if math.isnan(b):
        return math.isnan(a)
    return abs(a - b) <= tol * max(abs(b), 1e-3)


@pytest.fixture(scope="module")
def lalonde():
    return causal.read_csv(LALONDE)


def test_propensity_matches_glm(lalonde):
    r = causal.propensity(lalonde, "treat", COVS)
    ref = rows("propensity_lalonde_scores.csv")
    e = list(r["propensity"])
    assert len(e) == 614
    for a, b in zip(e, ref):
        assert close(a, float(b["propensity"]), 1e-10)
    sc = {x["name"]: float(x["value"]) for x in
          rows("propensity_lalonde_scalars.csv")}
    assert r["n_outside_support"] == sc["n_outside_support"]
    assert close(r["support_low"], sc["support_low"], 1e-12)
    t = causal.propensity(lalonde, "treat", COVS, trim="crump")
    assert close(t["crump_alpha"], sc["crump_alpha"], 1e-12)
    assert t["n_trimmed"] == sc["n_crump_trimmed"]


def test_propensity_matches_statsmodels(lalonde):
    sm = pytest.importorskip("statsmodels.api")
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(LALONDE)
    X = pd.get_dummies(df[COVS], columns=["race"], drop_first=True,
                       dtype=float)
    X = sm.add_constant(X)
    fit = sm.Logit(df["treat"], X).fit(disp=0, tol=1e-12, method="newton")
    r = causal.propensity(df, "treat", COVS)
    np.testing.assert_allclose(np.asarray(r["propensity"]),
                               fit.predict(X).to_numpy(), rtol=1e-9)


def test_ipw_aipw_reference(lalonde):
    for ref in rows("weighting_lalonde.csv"):
        kw = dict(estimand=ref["estimand"], method=ref["method"],
                  clip=(float(ref["clip_low"]), float(ref["clip_high"])),
                  cluster="educ" if ref["cluster"] == "1" else None)
        r = causal.ipw(lalonde, "re78", "treat", COVS, **kw)
        assert close(r["estimate"], float(ref["estimate"]), 1e-10), ref
        assert close(r["std_error"], float(ref["std_error"]), 1e-10), ref
        assert close(r["mu0"], float(ref["mu0"]), 1e-10)
    a = causal.aipw(lalonde, "re78", "treat", COVS)
    assert a["method"] == "aipw"
    assert a["conf_low"] < a["estimate"] < a["conf_high"]


def test_balance_matchit(lalonde):
    w = [float(x["weight"]) for x in rows("balance_lalonde_ipw_weights.csv")]
    b = causal.balance(lalonde, "treat", COVS, weights=w)
    ref = rows("balance_lalonde_ipw_ate.csv")
    rn, cn = b.dimnames("balance")
    m = b.matrix("balance")
    m = m.tolist() if hasattr(m, "tolist") else m
    j = cn.index("smd_adj")
    k = cn.index("ecdf_max_adj")
    for i, row in enumerate(ref):
        assert close(m[i][j], num(row["Std. Mean Diff."]), 1e-10)
        assert close(m[i][k], num(row["eCDF Max"]), 1e-10)
    assert "race[black]" in rn
    text = str(b)
    assert "smd_adj" in text and "race[hispan]" in text


def test_evalue():
    for ref in rows("sensitivity_evalues.csv"):
        r = causal.evalue(float(ref["est"]),
                          None if ref["lo"] == "NA" else float(ref["lo"]),
                          None if ref["hi"] == "NA" else float(ref["hi"]),
                          None if ref["se"] == "NA" else float(ref["se"]),
                          type=ref["type"])
        assert close(r["evalue"], float(ref["evalue"]), 1e-14)
        assert close(r["evalue_ci"], float(ref["evalue_ci"]), 1e-14)


def test_errors(lalonde):
    with pytest.raises(causal.NotFoundError):
        causal.propensity(lalonde, "treat", ["nope"])
    with pytest.raises(ValueError):
        causal.ipw(lalonde, "re78", "treat", COVS, estimand="atx")
    d = {"t": [0.0, 0.0, 0.0, 1.0, 1.0, 1.0],
         "e": [0.1, 0.2, 0.3, 0.6, 0.7, 0.8],
         "y": [1.0, 2, 3, 4, 5, 6]}
    with pytest.raises(causal.NoOverlapError, match="common support"):
        causal.ipw(d, "y", "t", scores="e")
    d["all"] = [1.0] * 6
    with pytest.raises(causal.InvalidArgumentError, match="no controls"):
        causal.propensity(d, "all", scores="e")
    with pytest.raises(causal.OutOfRangeError):
        causal.evalue(-1)


def test_statsmodels_gmm_ipw():
    """statsmodels' own GMM machinery (numerical derivatives, HC0 weights)
    on the moment conditions of TreatmentEffect.ipw (_IPWGMM, statsmodels
    0.14; Debian's 0.13.5 has the GMM class but not the treatment module).
    re74/re75 are in $1000 so that its numerical Jacobian is accurate (in
    dollars its derivative of the logit scores is off by orders of
    magnitude and the SE it reports for the ATE is 1516 instead of 876)."""
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    sm = pytest.importorskip("statsmodels.api")
    from statsmodels.sandbox.regression.gmm import GMM
    df = pd.read_csv(LALONDE)
    df["re74"] = df["re74"] / 1000
    df["re75"] = df["re75"] / 1000
    n = len(df)
    t = df["treat"].to_numpy(float)
    y = df["re78"].to_numpy(float)
    X = np.column_stack([np.ones(n), df.age, df.educ,
                         (df.race == "hispan") * 1.0,
                         (df.race == "white") * 1.0, df.married, df.nodegree,
                         df.re74, df.re75])
    lres = sm.Logit(t, X).fit(disp=0, tol=1e-14, method="newton")

    class IPWGMM(GMM):
        def __init__(self, endog, group):
            super().__init__(endog, None, None)
            self.group = group
            if self.data.xnames is None:
                self.data.xnames = []

        def momcond(self, params):
            prob = np.clip(lres.model.predict(params[2:]), 0.001, 0.999)
            w = t / prob + (1 - t) / (1 - prob)
            if self.group is not None:
                w = w * (prob if self.group == 1 else 1 - prob)
            ti = np.column_stack((t, np.ones(n)))
            mm = (w * (y - ti.dot(params[:2])))[:, None] * ti
            return np.column_stack((mm, lres.model.score_obs(params[2:])))

    for group, est in ((None, "ate"), (1, "att"), (0, "atc")):
        r = causal.ipw(df, "re78", "treat", COVS, estimand=est,
                       clip=(0.001, 0.999))
        start = np.concatenate(([r["estimate"], r["mu0"]], lres.params))
        g = IPWGMM(y, group).fit(start_params=start,
                                 inv_weights=np.eye(len(start)),
                                 optim_method="nm",
                                 optim_args={"maxiter": 5000, "disp": 0},
                                 maxiter=1)
        assert close(g.params[0], r["estimate"], 1e-10)
        assert close(g.bse[0], r["std_error"], 1e-6), (est, g.bse[0])


def test_refute(lalonde):
    r = causal.refute(lalonde, "re78", "treat", COVS, kind="placebo_treatment",
                      reps=20, seed=4, estimand="att")
    assert r.kind == "refutation"
    assert len(list(r["refuted_estimates"])) == 20
    assert 0 < r["p_value"] <= 1
    fit = causal.ipw(lalonde, "re78", "treat", COVS, estimand="att")
    assert r["estimate"] == fit["estimate"]
    o = causal.refute(lalonde, "re78", "treat", COVS, kind="placebo_outcome",
                      placebo="re74")
    assert o["reps"] == 1
    with pytest.raises(ValueError):
        causal.refute(lalonde, "re78", "treat", COVS, kind="nope")
